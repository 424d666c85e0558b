/**
 * Asks a credential helper what it holds for a host, as podman and docker do: `docker-credential-NAME get`,
 * the host on stdin, a timeout, through the one runner. The answer is the secret asked for: the runner hands
 * it back unredacted and never logs it; it is kept behind a function so no report or log prints it.
 */
import { CREDENTIALS_NOT_FOUND } from '../auth/credential-helper.js';
import type { AskHelper, HelperAnswer } from '../auth/index.js';
import { onPath } from '../engine/engine.js';
import type { Runner } from '../engine/run.js';

export const HELPER_TIMEOUT_MS = 15_000;

export async function askCredentialHelper(
  helper: string,
  host: string,
  env: Record<string, string | undefined>,
  runner: Runner,
): Promise<HelperAnswer> {
  const command = `docker-credential-${helper}`;
  if (!onPath(command, env))
    return {
      state: 'failed',
      missing: true,
      reason: `credential helper ${command} is not installed (not on PATH): the engine fails before sending anything`,
    };
  const result = await runner({
    command,
    args: ['get'],
    env,
    input: host,
    timeoutMs: HELPER_TIMEOUT_MS,
    revealOutput: true,
  });
  if (result.timedOut)
    return {
      state: 'failed',
      reason: `credential helper ${command} did not answer for ${host} within ${HELPER_TIMEOUT_MS / 1000} s`,
    };
  if (result.exitCode !== 0) {
    if (result.stdout.includes(CREDENTIALS_NOT_FOUND.split(' in ')[0] ?? ''))
      return { state: 'not-found' };
    // Its output may hold anything: classify, never quote.
    return {
      state: 'failed',
      reason: `credential helper ${command} failed for ${host} (exit ${result.exitCode}; try: echo ${host} | ${command} get): the engine fails before sending anything`,
    };
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(result.stdout) as typeof answer;
  } catch {
    return {
      state: 'failed',
      reason: `credential helper ${command} answered ${host} with something that is not JSON`,
    };
  }
  const secret = typeof answer.Secret === 'string' ? answer.Secret : '';
  return {
    state: 'found',
    user: typeof answer.Username === 'string' ? answer.Username : '',
    secret: () => secret,
  };
}

/** The AskHelper for resolveCredential, over this environment and runner. */
export function helperAsker(setup: {
  env: Record<string, string | undefined>;
  runner: Runner;
}): AskHelper {
  return (helper, host) =>
    askCredentialHelper(helper, host, setup.env, setup.runner);
}

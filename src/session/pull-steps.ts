/**
 * qci pull's small steps: the references parsed, running the engine (Ctrl-C stops it), docker's image
 * ID, --local-name's name, the outcome of one reference, and the line said before a retry.
 */
import { ExitCode, QciError } from '../core/errors.js';
import {
  formatImageStreamTag,
  parseReference,
  type ImageRef,
} from '../core/reference.js';
import {
  classifyEngineFailure,
  type FailureCause,
} from '../engine/classify.js';
import {
  buildImageIdArgs,
  parseImageId,
  type EngineName,
} from '../engine/engine.js';
import type { AuthSetup } from './setup.js';
import { causeOfError } from '../core/causes.js';

export interface PullOutcome {
  input: string;
  pullSpec: string | null;
  ok: boolean;
  localName: string | null;
  /**
   * docker only: the pulled image's ID, which qci prints on stdout as podman does itself (docker's own
   * stdout, its progress, goes to stderr). null for podman, whose stdout passes through.
   */
  imageId?: string | null;
  /** --if-stale: not pulled, the local image is what QCI's tag points at (imageId is its ID). */
  current?: boolean;
  cause: FailureCause | 'invalid-reference' | 'interrupted' | null;
  message: string | null;
  hint: string | null;
  exitCode: number;
}

export function invalidOutcome(input: string, error: QciError): PullOutcome {
  return {
    input,
    pullSpec: null,
    ok: false,
    localName: null,
    cause: 'invalid-reference',
    message: error.message,
    hint: error.hint ?? null,
    exitCode: error.exitCode,
  };
}

export function interruptedOutcome(
  input: string,
  pullSpec: string,
): PullOutcome {
  return {
    input,
    pullSpec,
    ok: false,
    localName: null,
    cause: 'interrupted',
    message: 'interrupted',
    hint: null,
    exitCode: ExitCode.interrupted,
  };
}

export function okOutcome(
  input: string,
  pullSpec: string,
  localName: string | null,
): PullOutcome {
  return {
    input,
    pullSpec,
    ok: true,
    localName,
    cause: null,
    message: null,
    hint: null,
    exitCode: ExitCode.ok,
  };
}

/** NS/NAME:TAG for `--local-name`; an ambiguous or digest reference has none. */
export function localNameFor(ref: ImageRef): string {
  if (!ref.imageStreamTag) {
    throw new QciError(
      `--local-name: ${ref.input} has no single image stream tag to name it by`,
      { kind: 'usage' },
    );
  }
  return formatImageStreamTag(ref.imageStreamTag);
}

/** `docker image inspect`'s ID without its "sha256:", as podman pull prints it; null if docker cannot say. */
export async function dockerImageId(
  setup: AuthSetup,
  pullSpec: string,
): Promise<string | null> {
  const result = await setup.runner({
    command: 'docker',
    args: buildImageIdArgs(pullSpec),
    env: setup.env,
    timeoutMs: 30_000,
  });
  return result.exitCode === 0 ? parseImageId(result.stdout) : null;
}

/** Runs the pull with live progress; Ctrl-C stops the engine and reports 'interrupted'. */
export async function runPull(
  setup: AuthSetup,
  engine: EngineName,
  args: string[],
  options: { terminal?: boolean | undefined; json?: boolean | undefined },
) {
  const controller = new AbortController();
  const unsubscribe = setup.onSignals(['SIGINT', 'SIGTERM'], () =>
    controller.abort(),
  );
  try {
    const result = await setup.runner({
      command: engine,
      args,
      env: setup.env,
      stdio: options.terminal ? 'terminal' : 'show',
      // docker prints its progress on stdout; --json keeps stdout for the JSON document.
      stdoutToStderr: options.json === true || engine === 'docker',
      signal: controller.signal,
      timeoutMs: 60 * 60_000,
    });
    return controller.signal.aborted ? ('interrupted' as const) : result;
  } finally {
    unsubscribe();
  }
}

/** A reference as given, parsed, or why not. */
export interface Input {
  input: string;
  ref: ImageRef | null;
  error: QciError | null;
}

/** Each input parsed; a malformed one is reported in its place, the others still pulled. */
export function parseInputs(
  inputs: string[],
  host: string,
  localName: boolean,
): Input[] {
  return inputs.map((input) => {
    try {
      const ref = parseReference(input, { pullHost: host });
      if (localName) localNameFor(ref); // fails before anything is pulled
      return { input, ref, error: null };
    } catch (error) {
      if (!(error instanceof QciError)) throw error;
      return { input, ref: null, error };
    }
  });
}

/**
 * What qci says after the registry refused the first attempt, whose error the engine has just printed
 * (on a terminal, to the screen, where it would otherwise be the last word): what happened, and that qci
 * retries.
 */
export function retryLine(
  host: string,
  engine: EngineName,
  where: string | undefined,
): string {
  const what = where
    ? `the credential ${engine} sent (${where})`
    : `the credential ${engine} sent`;
  return `the error above: ${host} rejected ${what}, an expired or revoked app.ci token; logging in again and retrying once`;
}

/**
 * Why a pull on a terminal failed, whose engine wrote its error there: docker first asked whether it
 * reaches its daemon (podman-docker's docker, being podman, does), then the registry's own answer.
 */
export async function causeOnTerminal(
  setup: AuthSetup,
  engine: EngineName,
  input: string,
  authfile: string | undefined,
): Promise<FailureCause> {
  if (engine === 'docker') {
    const probe = await setup.runner({
      command: 'docker',
      args: ['version', '--format', '{{.Server.Version}}'],
      env: setup.env,
      timeoutMs: 10_000,
    });
    if (classifyEngineFailure(probe.stderr) === 'engine-unavailable')
      return 'engine-unavailable';
  }
  return causeFromRegistry(setup, input, authfile);
}

/**
 * Why a pull failed, from the registry's own answer rather than the engine's text (which went to the
 * terminal): the manifest, asked for with the credential the engine sends. An answer that works means
 * the failure was the engine's own (storage, platform): 'unknown', and its message is on the screen.
 */
async function causeFromRegistry(
  setup: AuthSetup,
  input: string,
  authfile: string | undefined,
): Promise<FailureCause> {
  try {
    // Only a look: never a login (inspect's own login-when-needed) while explaining a failure. The
    // registry client loads here, after a failed pull, not with every pull.
    const { inspectQci } = await import('./inspect.js');
    await inspectQci(setup, input, {
      authfile,
      timeoutMs: 15_000,
      login: false,
    });
    return 'unknown';
  } catch (error) {
    if (!(error instanceof QciError)) return 'unknown';
    return causeOfError(error);
  }
}

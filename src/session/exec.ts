/**
 * `qci exec -- CMD [ARGS...]`: CMD runs with a fresh QCI credential that exists only while it runs. The
 * credential (the app.ci token, checked as qci login checks it, for QCI and for registry.ci.openshift.org,
 * which takes the same token) goes into `config.json` in a private
 * temporary directory; CMD gets REGISTRY_AUTH_FILE=that file (podman, skopeo, buildah) and DOCKER_CONFIG=that
 * directory (docker), and nothing else changes for it. The directory is removed when CMD exits, fails to
 * start, or when qci is interrupted or terminated: SIGINT, SIGTERM and SIGHUP are forwarded to CMD, qci waits
 * for it, cleans up, and exits 128+N for the signal N it got; otherwise with CMD's status.
 */
import { existsSync, promises as fsp } from 'node:fs';
import { delimiter, join } from 'node:path';
import { APP_CI_REGISTRY } from '../core/reference.js';
import { registryUserFor } from '../core/token.js';
import { encodeAuth, writeFileAtomic } from '../auth/index.js';
import { QciError } from '../core/errors.js';
import { signalExitCode, type ChildHandle } from '../engine/run.js';
import { makePrivateDir, sweepPrivateDirs } from './private-dir.js';
import { appCiFacts, deniedError, type AuthSetup } from './setup.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface ExecOptions {
  command: string;
  args: string[];
  /** qci --verbose lines. */
  log: (line: string) => void;
}

/** Runs the command; returns its exit status (128+N after death by signal N). */
export async function execWithQciCredential(
  setup: AuthSetup,
  options: ExecOptions,
): Promise<number> {
  const host = setup.settings.registry;
  // A command PATH does not have at all is said before app.ci is asked (which may want a login first);
  // one that is there but cannot run is left to the start (126, as shells say).
  if (
    !options.command.includes('/') &&
    !onPathAtAll(options.command, setup.env)
  )
    throw cannotStart(options.command, 'not-found');
  // A qci exec killed with SIGKILL could not remove its directory: do it now.
  await sweepPrivateDirs(setup.env);
  const { facts, token } = await appCiFacts(setup);
  if (!facts.qciAccess) throw deniedError(facts.user);

  // From here on a signal must not kill qci before the directory is gone: note it, pass it on.
  let child: ChildHandle | undefined;
  let received: NodeJS.Signals | undefined;
  const unsubscribe = setup.onSignals(FORWARDED, (signal) => {
    received ??= signal;
    child?.kill(signal);
  });
  let dir: string | undefined;
  try {
    dir = await makePrivateDir(setup.env, 'exec');
    const authFile = join(dir, 'config.json');
    // One file in the format both read: an auth.json for containers/image, a config.json for docker
    // (and oc, which reads REGISTRY_AUTH_FILE: openshift/oc pkg/cli/image/manifest/dockercredentials).
    // app.ci's registry takes the same token: payloads outside QCI (nightlies) are pulled from it.
    const entry = { auth: encodeAuth(registryUserFor(facts.user), token) };
    await writeFileAtomic(
      authFile,
      `${JSON.stringify({ auths: { [host]: entry, [APP_CI_REGISTRY]: entry } }, null, '\t')}\n`,
      0o600,
    );
    options.log(
      `QCI credential for ${facts.user} (${facts.token}) in ${authFile}, removed when the command ends`,
    );
    if (received) return signalExitCode(received);
    const result = await setup.runner({
      command: options.command,
      args: options.args,
      env: { ...setup.env, REGISTRY_AUTH_FILE: authFile, DOCKER_CONFIG: dir },
      secrets: [token],
      stdio: 'inherit',
      onStart: (handle) => {
        child = handle;
      },
    });
    if (result.startError)
      throw cannotStart(options.command, result.startError);
    // Interrupted or terminated: say so whatever CMD made of the signal (podman 4.3.1 stops a pull on SIGTERM
    // with status 0, which a script would take for success), as qci pull exits 130 on Ctrl-C.
    return received ? signalExitCode(received) : result.exitCode;
  } finally {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
    unsubscribe();
  }
}

/** COMMAND could not start: exit 127 (not found) or 126 (not runnable), as shells say. */
function cannotStart(
  command: string,
  why: 'not-found' | 'not-executable',
): QciError {
  const notFound = why === 'not-found';
  return new QciError(
    `${command}: ${notFound ? 'command not found' : 'cannot be run (permission denied or not a program)'}`,
    {
      kind: notFound ? 'command-not-found' : 'cannot-run',
      hint: 'qci exec -- COMMAND [ARGS...] runs COMMAND from PATH',
    },
  );
}

/** Whether any PATH directory (an empty entry is the current one, as for execvp) holds `command`. */
function onPathAtAll(
  command: string,
  env: Record<string, string | undefined>,
): boolean {
  return (env.PATH ?? '')
    .split(delimiter)
    .some((dir) => existsSync(join(dir || '.', command)));
}

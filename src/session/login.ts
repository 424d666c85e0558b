/**
 * qci login: the seed's `podman login -u=$(oc whoami) -p=$(oc whoami -t)`, done safely.
 */
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  resolveCredential,
  keyBelongsToHost,
  readAuthFile,
  readAuthFiles,
  setCredential,
  withFileLock,
  writeFileAtomic,
  type AuthFileRef,
  type AuthFileState,
  type EffectiveCredential,
} from '../auth/index.js';
import { engineUnavailableError } from '../core/causes.js';
import { QciError } from '../core/errors.js';
import { QCI_REPOSITORY_PATH } from '../core/reference.js';
import { registryUserFor } from '../core/token.js';
import { classifyEngineFailure, engineErrorLine } from '../engine/classify.js';
import {
  buildLoginArgs,
  findEngine,
  type EngineName,
} from '../engine/engine.js';
import { LOGIN_HINT, QCI_ACCESS_HINT } from '../kube/appci.js';
import {
  HELPER_NAME,
  helperRegisteredError,
} from '../auth/credential-helper.js';
import { tildify } from '../core/paths.js';
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import type { RunResult } from '../engine/run.js';
import { makePrivateDir, sweepPrivateDirs } from './private-dir.js';
import { tokenFileFacts, type TokenFileSource } from './token-file.js';
import { helperAsker } from './ask-helper.js';

import { recallFacts } from './facts-cache.js';
import { refuseHostileEngineFiles } from './engine-files.js';
import {
  candidates,
  deniedError,
  versionForFiles,
  proveFacts,
  type AppCiFacts,
  type AuthSetup,
} from './setup.js';

/** `--authfile` with docker: it has none; DOCKER_CONFIG names its directory. */
export function dockerHasNoAuthfile(verb: 'login' | 'pull'): QciError {
  return new QciError(
    'docker has no --authfile: it reads and writes $DOCKER_CONFIG/config.json',
    {
      kind: 'usage',
      hint: `DOCKER_CONFIG=DIR qci ${verb} --engine docker (or use podman, which takes --authfile)`,
    },
  );
}

/** Turns a failed `podman login` into what happened and what to do; never the raw output. */
function loginFailure(
  engine: EngineName,
  host: string,
  exitCode: number,
  output: string,
  tlsVerify: boolean,
): QciError {
  const cause = classifyEngineFailure(output);
  const prefix = `${engine} login to ${host} failed`;
  switch (cause) {
    case 'credentials-rejected':
    case 'credentials-missing':
    case 'token-expired':
      return new QciError(`${prefix}: the registry rejected the app.ci token`, {
        kind: 'credentials-rejected',
        hint: `check access with \`qci whoami\`; if the token was just revoked, ${LOGIN_HINT}`,
      });
    case 'denied':
      return new QciError(`${prefix}: access denied`, {
        kind: 'denied',
        hint: QCI_ACCESS_HINT,
      });
    case 'http-registry':
      return new QciError(`${prefix}: ${host} speaks plain HTTP`, {
        kind: 'unreachable',
        hint: tlsVerify
          ? 'for a local test registry, pass --tls-verify=false (or QCI_TLS_VERIFY=false)'
          : undefined,
      });
    case 'tls':
      return new QciError(`${prefix}: TLS certificate not trusted`, {
        kind: 'unreachable',
      });
    case 'engine-unavailable':
      return engineUnavailableError(prefix, engine);
    case 'dns':
    case 'refused':
    case 'timeout':
      return new QciError(
        `${prefix}: cannot reach the registry (${cause === 'dns' ? 'host not found' : cause === 'refused' ? 'connection refused' : 'timed out'})`,
        { kind: 'unreachable', hint: 'check your network or VPN' },
      );
    default:
      return new QciError(
        `${prefix} (exit ${exitCode}): ${engineErrorLine(output)}`,
        { kind: 'engine-failed' },
      );
  }
}

export interface LoginReport {
  registry: string;
  engine: EngineName;
  user: string;
  context: string;
  contextFoundBy: string;
  server: string;
  authFile: string;
  /**
   * The engine's login handed the secret to this credential helper (`docker-credential-NAME`), named in
   * `authFile` by `credHelpers[host]` or (docker) `credsStore`; `authFile` keeps only a `{}` placeholder.
   */
  helper: string | null;
  expiresAt: string | null;
  expiry: string | null;
  warnings: string[];
}

/** What app.ci (or a --token-file's JWT) says about the token, and warnings about where it came from. */
interface Proof {
  facts: AppCiFacts;
  warnings: string[];
}

/** One login's token, its proof under way, and what the steps share. */
interface LoginRun {
  setup: AuthSetup;
  engine: EngineName;
  host: string;
  token: string;
  /** The proof: a dead token or missing access fails it, before any other failure is reported. */
  proved: () => Promise<Proof>;
  /** The engine's login to `authfile`, storing `identity`'s registry user name. */
  run: (
    authfile: string | undefined,
    identity: string | null,
  ) => Promise<RunResult>;
  /** --token-file's token and what its JWT says, instead of the kube context's. */
  fromFile?: Awaited<ReturnType<typeof tokenFileFacts>> | undefined;
}

/**
 * The seed's `podman login -u=$(oc whoami) -p=$(oc whoami -t)`, done safely: the token goes on stdin,
 * access is checked first, and afterwards qci says which file holds the credential and what might shadow it.
 */
export async function loginToQci(
  setup: AuthSetup,
  options: {
    authfile?: string | undefined;
    tokenFile?: string | undefined;
    /**
     * Ctrl-C (the caller then handles the signals): stops podman's login and the wait for app.ci's proof;
     * if the proof has not come yet, the login fails as interrupted, having written nothing to the user's
     * file, and removes its private copy.
     */
    signal?: AbortSignal;
  },
): Promise<LoginReport> {
  const engine = findEngine(setup.settings.engine, setup.env);
  // --token-file: a ServiceAccount token stands in for the kube context (checked, expiry included,
  // before podman runs at all, even for its version).
  const fromFile =
    options.tokenFile !== undefined
      ? await tokenFileFacts(options.tokenFile, setup.now())
      : undefined;
  const version = await versionForFiles(setup, engine, options.authfile);
  // Before app.ci is asked or anything is written: podman's login to the private copy still reads
  // the user's files (podman < 4.4), and none of them may hang it.
  await refuseHostileEngineFiles(setup, engine, version, options.authfile);
  const login = await startLogin(setup, engine, options, fromFile);
  const afterProof = async (error: unknown): Promise<never> => {
    await login.proved();
    throw error;
  };
  const { files, target } = await loginTarget(
    setup,
    engine,
    version,
    options,
  ).catch(afterProof);
  const { result, proof } =
    engine === 'podman'
      ? await loginWithPodman(login, target, options.signal, afterProof)
      : await loginWithDocker(login, target, options);
  if (result.exitCode !== 0)
    throw loginFailed(login, result, options.tokenFile);
  return loginReport(login, files, target, proof);
}

/**
 * The token, known before app.ci has proved it: the proof's three requests go out now, and what does
 * not depend on their answer (the auth files, podman's login to a private copy) runs meanwhile.
 */
async function startLogin(
  setup: AuthSetup,
  engine: EngineName,
  options: { signal?: AbortSignal },
  fromFile: TokenFileSource | undefined,
): Promise<LoginRun> {
  const host = setup.settings.registry;
  let token: string;
  let proving: Promise<Proof>;
  if (fromFile) {
    token = fromFile.token;
    proving = Promise.resolve(fromFile);
  } else {
    const appci = await setup.connect(undefined, { preconnect: true });
    token = appci.requireToken();
    proving = proveFacts(setup, appci, token).then((facts) => ({
      facts,
      warnings: [] as string[],
    }));
  }
  proving.catch(() => {}); // met by the awaits that follow, never an unhandled rejection
  const proved = async () => {
    const proof = await proving;
    if (!proof.facts.qciAccess) throw deniedError(proof.facts.user);
    return proof;
  };
  const run = (authfile: string | undefined, identity: string | null) =>
    setup.runner({
      command: engine,
      args: buildLoginArgs({
        engine,
        host,
        user: registryUserFor(identity),
        tlsVerify: setup.settings.tlsVerify,
        authfile,
      }),
      env: setup.env,
      input: token,
      secrets: [token],
      timeoutMs: 60_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  return { setup, engine, host, token, proved, run, fromFile };
}

/** podman logs in to a private copy while app.ci answers; the copy is merged only after the proof. */
async function loginWithPodman(
  login: LoginRun,
  target: string,
  signal: AbortSignal | undefined,
  afterProof: (error: unknown) => Promise<never>,
): Promise<{ result: RunResult; proof: Proof }> {
  const { setup, token, run } = login;
  // The user name podman stores beside the token is app.ci's name for you: the one remembered for
  // this token if any (the proof corrects it before anything reaches your file).
  const remembered = login.fromFile
    ? login.fromFile.facts.user
    : ((await recallFacts(setup, token, setup.now()))?.user ?? null);
  const copy = await podmanLoginToCopy(setup, target, (file) =>
    run(file, remembered),
  ).catch(afterProof);
  try {
    const proof = await untilAborted(login.proved(), signal);
    const { user: identity } = proof.facts;
    const user = registryUserFor(identity);
    const result = await mergeLoginCopy(
      setup,
      copy,
      target,
      login.host,
      user,
      user === registryUserFor(remembered)
        ? undefined
        : (file) => run(file, identity),
      proof.warnings,
    );
    return { result, proof };
  } finally {
    await copy.remove();
  }
}

/** docker logs in once app.ci has answered (it writes the user's file itself). */
async function loginWithDocker(
  login: LoginRun,
  target: string,
  options: { authfile?: string | undefined; signal?: AbortSignal },
): Promise<{ result: RunResult; proof: Proof }> {
  const proof = await untilAborted(login.proved(), options.signal);
  const result = await dockerLogin(target, () =>
    login.run(options.authfile, proof.facts.user),
  );
  return { result, proof };
}

/** A failed engine login as what happened and what to do (a --token-file's token named as such). */
function loginFailed(
  { engine, host, setup }: LoginRun,
  result: RunResult,
  tokenFile: string | undefined,
): QciError {
  const failure = loginFailure(
    engine,
    host,
    result.exitCode,
    `${result.stdout}\n${result.stderr}`,
    setup.settings.tlsVerify,
  );
  if (tokenFile === undefined || failure.kind !== 'credentials-rejected')
    return failure;
  return new QciError(
    `${engine} login to ${host} failed: the registry rejected the token in ${tokenFile}`,
    {
      kind: failure.kind,
      hint: 'it was revoked, or is not an app.ci token: get a new one with qci sa token --project P --output FILE',
    },
  );
}

/** Asked as the engine will ask on the next pull (helpers included): does it send the new token? */
async function loginReport(
  login: LoginRun,
  files: AuthFileRef[],
  target: string,
  { facts, warnings }: Proof,
): Promise<LoginReport> {
  const { setup, engine, host, token } = login;
  const states = await readAuthFiles(files);
  const effective = await resolveCredential(states, host, QCI_REPOSITORY_PATH, {
    engine,
    ask: helperAsker(setup),
  });
  if (effective.sends.secret?.() !== token)
    throw notSentError(setup, effective, target);
  return {
    registry: host,
    engine,
    user: facts.user,
    context: facts.context,
    contextFoundBy: facts.contextFoundBy,
    server: facts.server,
    authFile: target,
    helper: loginHelper(states, target, host, engine),
    expiresAt: facts.expiresAt,
    expiry: facts.expiry,
    warnings: [
      ...warnings,
      ...shadowWarnings(setup, states, host, token, target),
    ],
  };
}

/**
 * The pull's login, Ctrl-C ending it in order (podman's login stopped, its private copy, which holds
 * the token, removed, nothing written): 'interrupted' then.
 */
export async function loginInOrder(
  setup: AuthSetup,
  authfile: string | undefined,
): Promise<LoginReport | 'interrupted'> {
  const cancel = new AbortController();
  const unsubscribe = setup.onSignals(['SIGINT', 'SIGTERM'], () =>
    cancel.abort(),
  );
  try {
    return await loginToQci(setup, { authfile, signal: cancel.signal });
  } catch (error) {
    if (cancel.signal.aborted) return 'interrupted';
    throw error;
  } finally {
    unsubscribe();
  }
}

/** `work`, or an 'interrupted' error as soon as `signal` aborts. */
async function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (!signal) return work;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () =>
      reject(
        new QciError(
          'interrupted before app.ci answered: nothing was written',
          { kind: 'interrupted' },
        ),
      );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Where login writes, checked before anything is written: a file podman would fail on stops it. */
async function loginTarget(
  setup: AuthSetup,
  engine: EngineName,
  version: string | undefined,
  options: { authfile?: string | undefined },
): Promise<{ files: AuthFileRef[]; target: string }> {
  const host = setup.settings.registry;
  if (engine === 'docker' && options.authfile)
    throw dockerHasNoAuthfile('login');
  const files = candidates(setup, engine, version, options.authfile);
  const target =
    options.authfile ??
    files.find((f) => f.writtenByLogin)?.path ??
    files[0]?.path;
  if (!target)
    throw new QciError(`cannot tell which auth file ${engine} login writes`, {
      kind: 'internal',
    });
  // podman would fail on (or rewrite) a file that is not JSON; stop before touching anything.
  const before = await readAuthFile(
    files.find((f) => f.path === target) ?? target,
  );
  if (before.state === 'corrupt' || before.state === 'unreadable') {
    throw new QciError(`${before.reason}; qci left it unchanged`, {
      kind: 'auth-file-corrupt',
      hint: `fix or move ${target} (it is what ${engine} login writes), then run qci login again`,
    });
  }
  // `qci login --helper` registered docker-credential-qci here: podman login would hand the token to its store.
  if (before.state === 'ok' && before.credHelpers[host] === HELPER_NAME)
    throw helperRegisteredError(host, tildify(target, setup.home));
  return { files, target };
}

interface LoginCopy {
  /** The private copy podman logged in to. */
  file: string;
  /** podman's answer; a promise, so that the proof can be awaited first. */
  result: Promise<RunResult>;
  remove: () => Promise<void>;
}

/**
 * podman logs in to a private copy of the auth file (podman < 4.8 rewrites the file it logs in to,
 * dropping keys it does not know); mergeLoginCopy then merges the entry podman wrote into the user's
 * file in one atomic write under the lock. A kill at any moment leaves the user's file either as it
 * was or with the new entry, every other key kept; a kill during podman leaves only the private copy,
 * which the next qci login or exec removes.
 */
async function podmanLoginToCopy(
  setup: AuthSetup,
  target: string,
  run: (file: string) => Promise<RunResult>,
): Promise<LoginCopy> {
  await sweepPrivateDirs(setup.env);
  const dir = await makePrivateDir(setup.env, 'login');
  const remove = () => fsp.rm(dir, { recursive: true, force: true });
  const file = join(dir, 'auth.json');
  try {
    // The copy keeps credHelpers: podman stores in the helper, as it would for the user's own file.
    const current = await readFileSafe(target, {
      maxBytes: MAX_BYTES.authFile,
      what: 'auth file',
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (current !== undefined) await writeFileAtomic(file, current, 0o600);
  } catch (error) {
    await remove();
    throw error;
  }
  const result = run(file);
  result.catch(() => {}); // awaited after the proof
  return {
    file,
    result,
    remove: async () => {
      await result.catch(() => {}); // podman is done with the copy first
      await remove();
    },
  };
}

/**
 * Merges podman's new entry into `target` under `user`, the name the proof gave. When podman stored the
 * secret in a credential helper instead, under another name, `again` logs in once more with `user`.
 */
async function mergeLoginCopy(
  setup: AuthSetup,
  copy: LoginCopy,
  target: string,
  host: string,
  user: string,
  again: ((file: string) => Promise<RunResult>) | undefined,
  warnings: string[],
): Promise<RunResult> {
  const result = await copy.result;
  if (result.exitCode !== 0) return result;
  const written = await readAuthFile(copy.file);
  const entry =
    written.state === 'ok'
      ? written.entries.find((e) => e.key === host)
      : undefined;
  const secret = entry?.password();
  if (!entry || entry.user === undefined || secret === undefined) {
    warnings.push(
      `podman stored the credential for ${host} in its credential helper, not in ${tildify(target, setup.home)}`,
    );
    return again ? again(copy.file) : result;
  }
  const merged = await setCredential(target, host, user, secret);
  warnings.push(...merged.warnings);
  return result;
}

/** docker has no --authfile: it logs in to $DOCKER_CONFIG/config.json itself, under qci's lock. */
async function dockerLogin(
  target: string,
  run: () => Promise<RunResult>,
): Promise<RunResult> {
  // Another qci writing the same file waits. The lock lives beside the file, so its directory must
  // exist (docker would create it anyway; 0700).
  await fsp.mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const lockTarget = await fsp.realpath(target).catch(() => target);
  return withFileLock(lockTarget, run);
}

/**
 * Where `podman login` / `docker login` put the secret when `target` names a helper for `host`: the
 * helper store and get alike go to (credHelpers[host], else docker's credsStore), so the engine sends it.
 */
function loginHelper(
  states: AuthFileState[],
  target: string,
  host: string,
  engine: EngineName,
): string | null {
  const file = states.find((s) => s.path === target);
  if (file?.state !== 'ok') return null;
  if (Object.hasOwn(file.credHelpers, host))
    return file.credHelpers[host] ?? null;
  return engine === 'docker' ? (file.credsStore ?? null) : null;
}

/** The login worked, but the engine's next pull sends something else (a helper, a key that wins). */
function notSentError(
  setup: AuthSetup,
  effective: EffectiveCredential,
  target: string,
): QciError {
  const t = (p: string) => tildify(p, setup.home);
  const winner = effective.winner;
  const what = winner
    ? `${winner.helper ? `docker-credential-${winner.helper} for ` : ''}${winner.key} in ${t(winner.file.path)}`
    : effective.error
      ? `nothing (${effective.error.reason})`
      : 'nothing';
  return new QciError(
    `${effective.engine} login wrote the credential to ${t(target)}, but ${effective.engine} will send ${what} instead`,
    {
      kind: 'shadowed',
      hint: 'qci whoami shows what is sent; qci logout (erases every QCI credential, helpers included), then qci login',
    },
  );
}

/** After a login: anything that would be used instead of the new credential, or outlive it. */
function shadowWarnings(
  setup: AuthSetup,
  states: AuthFileState[],
  host: string,
  token: string,
  target: string,
): string[] {
  const warnings: string[] = [];
  const t = (p: string) => tildify(p, setup.home);
  for (const file of states) {
    if (file.state !== 'ok' || file.path === target) continue;
    for (const entry of file.entries) {
      if (!keyBelongsToHost(entry.key, host) || entry.password() === token)
        continue;
      warnings.push(
        `${t(file.path)} holds an older QCI credential (${entry.key}); \`podman logout\` does not remove it and podman falls back to it once the new one is gone. ` +
          `Remove it: podman logout --authfile ${t(file.path)} ${entry.key}`,
      );
    }
  }
  return warnings;
}

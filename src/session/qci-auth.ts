/**
 * Logging the engines in to QCI, out of it, and saying where things stand. Shared by login, logout,
 * whoami and (later) pull and doctor, so they all agree on which files and which entries matter.
 */
import { chmod, copyFile, mkdir, readFile, realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  authFileCandidates,
  backupStamp,
  updateAuthFile,
  effectiveCredential,
  keyBelongsToHost,
  readAuthFile,
  readAuthFiles,
  removeCredentials,
  withFileLock,
  type AuthFileRef,
  type AuthFileState,
  type CredentialSource,
  type EffectiveCredential,
} from '../auth/index.js';
import { ExitCode, QciError } from '../core/errors.js';
import { QCI_REPOSITORY_PATH } from '../core/reference.js';
import type { Settings } from '../core/settings.js';
import {
  describeExpiry,
  registryUserFor,
  tokenFacts,
  type TokenKind,
} from '../core/token.js';
import { maskToken } from '../core/redact.js';
import { classifyEngineFailure, engineErrorLine } from '../engine/classify.js';
import {
  buildLoginArgs,
  findEngine,
  onPath,
  parseEngineVersion,
  type EngineName,
} from '../engine/engine.js';
import type { Runner } from '../engine/run.js';
import {
  LOGIN_HINT,
  QCI_ACCESS_HINT,
  type AppCi,
  type Identity,
  type TokenExpiry,
} from '../kube/appci.js';
import {
  HELPER_NAME,
  helperRegisteredError,
} from '../auth/credential-helper.js';
import { tildify } from '../core/paths.js';
import { tokenFileFacts } from './token-file.js';

export interface AuthSetup {
  settings: Settings;
  env: Record<string, string | undefined>;
  home: string;
  uid: number;
  runner: Runner;
  /** `--context` / QCI_CONTEXT / config file, with where it came from. */
  context: { name: string; source: string } | undefined;
  now: () => Date;
  /** The kube client for a context (default: the app.ci context as `context` says); injected by the command. */
  connect: (context?: { name: string; source: string }) => Promise<AppCi>;
  /** Subscribes to the process's signals while a child runs (Ctrl-C); returns the unsubscribe. */
  onSignals: (
    signals: readonly NodeJS.Signals[],
    handler: (signal: NodeJS.Signals) => void,
  ) => () => void;
}

/** `podman --version` → "4.3.1"; undefined when podman is missing or says something unexpected. */
export async function podmanVersion(
  setup: AuthSetup,
): Promise<string | undefined> {
  if (!onPath('podman', setup.env)) return undefined;
  const result = await setup.runner({
    command: 'podman',
    args: ['--version'],
    env: setup.env,
    timeoutMs: 10_000,
  });
  return result.exitCode === 0
    ? (parseEngineVersion(result.stdout) ?? undefined)
    : undefined;
}

export function candidates(
  setup: AuthSetup,
  engine: EngineName,
  version: string | undefined,
  authfile?: string,
): AuthFileRef[] {
  return authFileCandidates({
    env: setup.env,
    home: setup.home,
    uid: setup.uid,
    engine,
    ...(version ? { podmanVersion: version } : {}),
    ...(authfile ? { authfile } : {}),
  });
}

/** Both engines' files, podman's order first, each path once; `authfile` is one more (it replaces none). */
export function allAuthFiles(
  setup: AuthSetup,
  version: string | undefined,
  authfile?: string,
): AuthFileRef[] {
  const seen = new Set<string>();
  const withAuthfile = authfile
    ? candidates(setup, 'podman', version, authfile)
    : [];
  return [
    ...withAuthfile,
    ...candidates(setup, 'podman', version),
    ...candidates(setup, 'docker', version),
  ].filter((ref) => {
    if (seen.has(ref.path)) return false;
    seen.add(ref.path);
    return true;
  });
}

export interface AppCiFacts {
  context: string;
  contextFoundBy: string;
  contextFile: string;
  server: string;
  user: string;
  groups: string[];
  /** `sha256~abcd…`: enough to tell tokens apart, never the token. */
  token: string;
  tokenKind: TokenKind;
  expiresAt: string | null;
  expiry: string | null;
  qciAccess: boolean;
}

/** Who the app.ci context says you are, when its token expires, and whether you may pull from QCI. */
export async function appCiFacts(
  setup: AuthSetup,
): Promise<{ appci: AppCi; facts: AppCiFacts; token: string }> {
  const appci = await setup.connect();
  const token = appci.requireToken();
  const identity: Identity = await appci.whoami();
  const isServiceAccount = identity.username.startsWith(
    'system:serviceaccount:',
  );
  // The proxy skips the access review for service accounts (REFERENCE §3); so does qci.
  const [expiry, access]: [TokenExpiry, boolean] = await Promise.all([
    appci.tokenExpiry(),
    isServiceAccount ? Promise.resolve(true) : appci.canPullQci(),
  ]);
  return {
    appci,
    token,
    facts: {
      context: appci.context.name,
      contextFoundBy: appci.context.foundBy,
      contextFile: appci.context.file,
      server: appci.context.server,
      user: identity.username,
      groups: identity.groups,
      token: maskToken(token),
      tokenKind: tokenFacts(token).kind,
      expiresAt: expiry.expiresAt?.toISOString() ?? null,
      expiry: expiry.expiresAt
        ? describeExpiry(expiry.expiresAt, setup.now())
        : null,
      qciAccess: access,
    },
  };
}

export function deniedError(user: string): QciError {
  return new QciError(
    `${user} may not pull from QCI: app.ci does not grant get imagestreams/layers in namespace ocp`,
    {
      kind: 'denied',
      exitCode: ExitCode.denied,
      hint: QCI_ACCESS_HINT,
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
        exitCode: ExitCode.authRequired,
        hint: `check access with \`qci whoami\`; if the token was just revoked, ${LOGIN_HINT}`,
      });
    case 'denied':
      return new QciError(`${prefix}: access denied`, {
        kind: 'denied',
        exitCode: ExitCode.denied,
        hint: QCI_ACCESS_HINT,
      });
    case 'http-registry':
      return new QciError(`${prefix}: ${host} speaks plain HTTP`, {
        kind: 'unreachable',
        exitCode: ExitCode.unreachable,
        hint: tlsVerify
          ? 'for a local test registry, pass --tls-verify=false (or QCI_TLS_VERIFY=false)'
          : undefined,
      });
    case 'tls':
      return new QciError(`${prefix}: TLS certificate not trusted`, {
        kind: 'unreachable',
        exitCode: ExitCode.unreachable,
      });
    case 'dns':
    case 'refused':
    case 'timeout':
      return new QciError(
        `${prefix}: cannot reach the registry (${cause === 'dns' ? 'host not found' : cause === 'refused' ? 'connection refused' : 'timed out'})`,
        {
          kind: 'unreachable',
          exitCode: ExitCode.unreachable,
          hint: 'check your network or VPN',
        },
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
  expiresAt: string | null;
  expiry: string | null;
  warnings: string[];
}

/**
 * The seed's `podman login -u=$(oc whoami) -p=$(oc whoami -t)`, done safely: the token goes on stdin,
 * access is checked first, and afterwards qci says which file holds the credential and what might shadow it.
 */
export async function loginToQci(
  setup: AuthSetup,
  options: { authfile?: string | undefined; tokenFile?: string | undefined },
): Promise<LoginReport> {
  const engine = findEngine(setup.settings.engine, setup.env);
  const host = setup.settings.registry;
  // --token-file: a ServiceAccount token stands in for the kube context (checked, expiry included, before podman runs).
  const fromFile =
    options.tokenFile !== undefined
      ? await tokenFileFacts(options.tokenFile, setup.now())
      : undefined;
  const source = fromFile
    ? Promise.resolve(fromFile)
    : appCiFacts(setup).then((r) => ({ ...r, warnings: [] as string[] }));
  const [{ facts, token, warnings: sourceWarnings }, version] =
    await Promise.all([
      source,
      engine === 'podman' ? podmanVersion(setup) : Promise.resolve(undefined),
    ]);
  if (!facts.qciAccess) throw deniedError(facts.user);

  if (engine === 'docker' && options.authfile) {
    throw new QciError(
      'docker has no --authfile: it writes $DOCKER_CONFIG/config.json',
      {
        kind: 'usage',
        exitCode: ExitCode.usage,
        hint: 'DOCKER_CONFIG=DIR qci login --engine docker (or use podman, which takes --authfile)',
      },
    );
  }
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

  // Another qci writing the same file waits; podman itself rewrites the whole file. The lock lives beside
  // the file, so its directory must exist (podman would create it anyway; 0700 as podman does).
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const lockTarget = await realpath(target).catch(() => target);
  // podman < 4.8 rewrites a DOCKER_CONFIG file keeping only auths and credHelpers (REFERENCE §5): keep a
  // backup of the file as it was, and put the keys it drops (credsStore, HttpHeaders, …) back afterwards.
  const targetRef = files.find((f) => f.path === target);
  const dropped =
    targetRef?.loginDropsUnknownKeys && before.state === 'ok'
      ? await keysPodmanDrops(target)
      : null;
  const result = await withFileLock(lockTarget, () =>
    setup.runner({
      command: engine,
      args: buildLoginArgs({
        engine,
        host,
        user: registryUserFor(facts.user),
        authfile: options.authfile,
        tlsVerify: setup.settings.tlsVerify,
      }),
      env: setup.env,
      input: token,
      secrets: [token],
      timeoutMs: 60_000,
    }),
  );
  if (result.exitCode !== 0) {
    const failure = loginFailure(
      engine,
      host,
      result.exitCode,
      `${result.stdout}\n${result.stderr}`,
      setup.settings.tlsVerify,
    );
    if (
      options.tokenFile !== undefined &&
      failure.kind === 'credentials-rejected'
    ) {
      throw new QciError(
        `${engine} login to ${host} failed: the registry rejected the token in ${options.tokenFile}`,
        {
          kind: failure.kind,
          exitCode: failure.exitCode,
          hint: 'it was revoked, or is not an app.ci token: get a new one with qci sa token --project P --output FILE',
        },
      );
    }
    throw failure;
  }

  if (dropped) {
    await updateAuthFile(target, (json) => {
      for (const [key, value] of Object.entries(dropped.keys))
        if (!(key in json)) json[key] = value;
    });
    sourceWarnings.push(
      `podman ${version ?? ''} rewrote ${tildify(target, setup.home)} without ${Object.keys(dropped.keys).join(', ')}; qci put them back (the file as it was: ${tildify(dropped.backup, setup.home)})`,
    );
  }

  const states = await readAuthFiles(files);
  const effective = effectiveCredential(states, host, QCI_REPOSITORY_PATH, {
    engine,
  });
  return {
    registry: host,
    engine,
    user: facts.user,
    context: facts.context,
    contextFoundBy: facts.contextFoundBy,
    server: facts.server,
    authFile: target,
    expiresAt: facts.expiresAt,
    expiry: facts.expiry,
    warnings: [
      ...sourceWarnings,
      ...shadowWarnings(setup, effective, states, host, token, target),
    ],
  };
}

/** The top-level keys `podman login` would drop from `path` (all but auths and credHelpers), and a backup of it. */
async function keysPodmanDrops(
  path: string,
): Promise<{ keys: Record<string, unknown>; backup: string } | null> {
  const json = JSON.parse(await readFile(path, 'utf8')) as Record<
    string,
    unknown
  >;
  const keys = Object.fromEntries(
    Object.entries(json).filter(
      ([key]) => !['auths', 'credhelpers'].includes(key.toLowerCase()),
    ),
  );
  if (Object.keys(keys).length === 0) return null;
  const backup = `${path}.qci-backup-${backupStamp(new Date())}`;
  await copyFile(path, backup);
  await chmod(backup, 0o600);
  return { keys, backup };
}

/** After a login: anything that would be used instead of the new credential, or outlive it. */
function shadowWarnings(
  setup: AuthSetup,
  effective: EffectiveCredential,
  states: AuthFileState[],
  host: string,
  token: string,
  target: string,
): string[] {
  const warnings: string[] = [];
  const t = (p: string) => tildify(p, setup.home);
  const winner = effective.winner;
  if (!winner || winner.entry?.password() !== token) {
    const what = winner
      ? `${winner.key} in ${t(winner.file.path)}`
      : effective.error
        ? `nothing (${effective.error.reason})`
        : 'nothing';
    warnings.push(
      `${effective.engine} will use ${what}, not the credential just written to ${t(target)}; run \`qci logout\` then \`qci login\``,
    );
  }
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

export type EntryState =
  | 'current'
  | 'valid'
  | 'other-user'
  | 'expired'
  | 'unknown'
  | 'helper'
  | 'none'
  | 'error';

export interface EngineView {
  engine: EngineName;
  installed: boolean;
  version: string | null;
  state: EntryState;
  file: string | null;
  key: string | null;
  user: string | null;
  /** One sentence: what the engine will send to QCI and whether that works. */
  detail: string;
  /** Matching entries the winner hides, and those `podman logout` would leave behind. */
  shadowed: string[];
  unreachableByPodmanLogout: string[];
}

async function entryState(
  source: CredentialSource | undefined,
  appci: AppCi | undefined,
  current: { token: string; user: string } | undefined,
): Promise<{ state: EntryState; user: string | null }> {
  if (!source) return { state: 'none', user: null };
  if (source.helper) return { state: 'helper', user: null };
  const secret = source.entry?.password();
  if (!secret) return { state: 'error', user: source.entry?.user ?? null };
  if (current && secret === current.token)
    return { state: 'current', user: current.user };
  if (!appci) return { state: 'unknown', user: source.entry?.user ?? null };
  const probe = await appci.probeToken(secret);
  if (probe.state === 'valid')
    return {
      state:
        current && probe.username !== current.user ? 'other-user' : 'valid',
      user: probe.username,
    };
  return {
    state: probe.state === 'expired' ? 'expired' : 'unknown',
    user: source.entry?.user ?? null,
  };
}

const STATE_TEXT: Record<EntryState, string> = {
  current: 'the token of your app.ci context: valid',
  valid: 'a valid app.ci token (not the one in your kube context)',
  'other-user': "another user's valid app.ci token",
  expired: 'an expired or revoked app.ci token: pulls fail with "unauthorized"',
  unknown: 'a token qci could not check (app.ci unreachable)',
  helper: 'a credential helper answers',
  none: 'no credential: pulls from QCI fail with "unauthorized"',
  error: 'an entry the engine cannot use',
};

export async function engineView(
  setup: AuthSetup,
  engine: EngineName,
  version: string | undefined,
  states: AuthFileState[],
  appci: AppCi | undefined,
  current: { token: string; user: string } | undefined,
): Promise<EngineView> {
  const host = setup.settings.registry;
  const effective = effectiveCredential(states, host, QCI_REPOSITORY_PATH, {
    engine,
  });
  const { state, user } =
    effective.outcome === 'error'
      ? { state: 'error' as const, user: null }
      : await entryState(effective.winner, appci, current);
  const t = (p: string) => tildify(p, setup.home);
  const where = effective.winner
    ? `${effective.winner.helper ? `credential helper docker-credential-${effective.winner.helper} for ` : ''}${effective.winner.key} in ${t(effective.winner.file.path)}`
    : '';
  const detail =
    state === 'error'
      ? `${engine} fails before sending anything: ${effective.error?.reason ?? 'unusable entry'}`
      : state === 'none'
        ? `${engine} has ${STATE_TEXT.none}`
        : `${engine} uses ${where}: ${STATE_TEXT[state]}`;
  const describeSource = (s: CredentialSource) =>
    `${s.key} in ${t(s.file.path)}`;
  return {
    engine,
    installed: onPath(engine, setup.env) !== null,
    version: version ?? null,
    state,
    file: effective.winner?.file.path ?? effective.error?.file.path ?? null,
    key: effective.winner?.key ?? null,
    user,
    detail,
    // docker-credential-qci registered in several files (qci login --helper) holds no secret to hide or leave behind.
    shadowed: effective.shadowed
      .filter((s) => s.helper !== HELPER_NAME)
      .map(describeSource),
    unreachableByPodmanLogout:
      engine === 'podman'
        ? effective.unreachableByPodmanLogout
            .filter((s) => s.helper !== HELPER_NAME)
            .map(describeSource)
        : [],
  };
}

export interface StatusReport {
  registry: string;
  appci: AppCiFacts | null;
  appciError: {
    kind: string;
    message: string;
    hint: string | null;
    exitCode: number;
  } | null;
  engines: EngineView[];
  exitCode: number;
}

/** qci whoami: app.ci identity, token expiry, QCI access, and what each engine would send to QCI. */
export async function qciStatus(setup: AuthSetup): Promise<StatusReport> {
  const version = await podmanVersion(setup);
  let appci: AppCi | undefined;
  let facts: AppCiFacts | null = null;
  let token: string | undefined;
  let appciError: StatusReport['appciError'] = null;
  try {
    const result = await appCiFacts(setup);
    ({ appci, facts, token } = result);
  } catch (error) {
    if (!(error instanceof QciError)) throw error;
    appciError = {
      kind: error.kind,
      message: error.message,
      hint: error.hint ?? null,
      exitCode: error.exitCode,
    };
    // Still able to check stored tokens when only this context's token is bad.
    appci = await setup.connect().catch(() => undefined);
  }
  const current = facts && token ? { token, user: facts.user } : undefined;
  const engines: EngineView[] = [];
  for (const engine of ['podman', 'docker'] as const) {
    const states = await readAuthFiles(candidates(setup, engine, version));
    engines.push(
      await engineView(
        setup,
        engine,
        engine === 'podman' ? version : undefined,
        states,
        appci,
        current,
      ),
    );
  }
  const primary = engines.find((e) => e.installed) ?? engines[0]!;
  const exitCode = appciError
    ? appciError.exitCode
    : !facts?.qciAccess
      ? ExitCode.denied
      : ['current', 'valid', 'helper'].includes(primary.state)
        ? ExitCode.ok
        : ExitCode.authRequired;
  return {
    registry: setup.settings.registry,
    appci: facts,
    appciError,
    engines,
    exitCode,
  };
}

export interface LogoutFile {
  path: string;
  why: string;
  state: AuthFileState['state'];
  removed: string[];
  backup: string | null;
  /** A credHelpers entry for QCI: its secret lives in the helper, not in this file. */
  helper: string | null;
  error: string | null;
}

export interface LogoutReport {
  registry: string;
  dryRun: boolean;
  files: LogoutFile[];
  exitCode: number;
}

/** Removes QCI credentials from every file podman or docker reads (the seed's `podman logout` pitfall). */
export async function logoutFromQci(
  setup: AuthSetup,
  options: { dryRun: boolean; authfile?: string | undefined },
): Promise<LogoutReport> {
  const host = setup.settings.registry;
  const version = await podmanVersion(setup);
  const files: LogoutFile[] = [];
  for (const ref of allAuthFiles(setup, version, options.authfile)) {
    const state = await readAuthFile(ref);
    const base = {
      path: ref.path,
      why: ref.why,
      state: state.state,
      removed: [] as string[],
      backup: null,
      helper: null,
      error: null,
    };
    if (state.state === 'absent') continue;
    if (state.state !== 'ok') {
      files.push({ ...base, error: state.reason });
      continue;
    }
    const keys = state.entries
      .filter((e) => keyBelongsToHost(e.key, host))
      .map((e) => e.key);
    const helper =
      Object.entries(state.credHelpers).find(([h]) =>
        keyBelongsToHost(h, host),
      )?.[1] ?? null;
    if (keys.length === 0) {
      if (helper) files.push({ ...base, helper });
      continue;
    }
    if (options.dryRun) {
      files.push({ ...base, removed: keys, helper });
      continue;
    }
    try {
      const result = await removeCredentials(ref.path, host, {
        format: ref.format,
      });
      files.push({
        ...base,
        removed: result.removed,
        backup: result.backupPath ?? null,
        helper,
      });
    } catch (error) {
      files.push({
        ...base,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return {
    registry: host,
    dryRun: options.dryRun,
    files,
    exitCode: files.some((f) => f.error) ? ExitCode.failure : ExitCode.ok,
  };
}

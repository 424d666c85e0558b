import {
  readAuthFiles,
  resolveCredential,
  type AuthFileState,
  type CredentialSource,
  type EffectiveCredential,
  type Sent,
} from '../auth/index.js';
import { ExitCode, QciError } from '../core/errors.js';
import { withBrowserLogin } from '../core/appci.js';
import { QCI_REPOSITORY_PATH } from '../core/reference.js';
import { onPath, type EngineName } from '../engine/engine.js';
import type { AppCi } from '../kube/appci.js';
import { HELPER_NAME } from '../auth/credential-helper.js';
import { tildify } from '../core/paths.js';
import { isOtherUsersToken } from '../core/token.js';

import { helperAsker } from './ask-helper.js';
import { viewPullSecret, type PullSecretView } from './pull-secret-check.js';
import {
  appCiFacts,
  candidates,
  podmanVersion,
  type AppCiFacts,
  type AuthSetup,
} from './setup.js';

export type EntryState =
  | 'current'
  | 'valid'
  | 'other-user'
  | 'expired'
  | 'unknown'
  | 'helper'
  | 'identity-token'
  | 'ambiguous'
  | 'none'
  | 'error';

/**
 * What the engine puts on the wire for QCI, in one word (`--json`):
 * `fails-before-sending` (a stat error, a corrupt file, a broken helper), `nothing` (anonymous),
 * `credential` (user:password), `identity-token` (an OAuth2 refresh-token grant), `ambiguous`.
 */
export type SendsWord =
  | 'fails-before-sending'
  | 'nothing'
  | 'credential'
  | 'identity-token'
  | 'ambiguous';

export interface EngineView {
  engine: EngineName;
  installed: boolean;
  version: string | null;
  state: EntryState;
  sends: SendsWord;
  file: string | null;
  key: string | null;
  /** The credential helper that supplied it (credHelpers or credsStore), if one did. */
  helper: string | null;
  user: string | null;
  /** `ambiguous`: the keys the engine picks from at random. */
  candidates: { file: string; key: string }[];
  /** One sentence: what the engine will send to QCI and whether that works. */
  detail: string;
  /** Matching entries the winner hides, and those `podman logout` would leave behind. */
  shadowed: string[];
  unreachableByPodmanLogout: string[];
  /** docker: `{}` placeholders it passes over, with the command that removes each. */
  placeholders: string[];
  /**
   * The file podman must find and does not (an --authfile, $REGISTRY_AUTH_FILE): a login writes it,
   * and the fix says so.
   */
  missing: { path: string; via: string } | null;
}

type Judged = { state: EntryState; user: string | null };

/** Whether an app.ci token (from a file or a helper) is alive and whose. */
export async function judgeToken(
  secret: string,
  storedUser: string | null,
  appci: AppCi | undefined,
  current: { token: string; user: string } | undefined,
): Promise<Judged> {
  if (current && secret === current.token)
    return { state: 'current', user: current.user };
  if (!appci) return { state: 'unknown', user: storedUser };
  const probe = await appci.probeToken(secret);
  if (probe.state === 'valid')
    return {
      state: isOtherUsersToken(probe.username, current?.user)
        ? 'other-user'
        : 'valid',
      user: probe.username,
    };
  return {
    state: probe.state === 'expired' ? 'expired' : 'unknown',
    user: storedUser,
  };
}

async function judge(
  effective: EffectiveCredential,
  appci: AppCi | undefined,
  current: { token: string; user: string } | undefined,
): Promise<Judged> {
  const sends = effective.sends;
  switch (sends.kind) {
    case 'fails':
      return { state: 'error', user: null };
    case 'ambiguous':
      return { state: 'ambiguous', user: null };
    case 'nothing':
      return { state: 'none', user: null };
    case 'unasked':
      return { state: 'helper', user: null };
    case 'identity-token':
      return { state: 'identity-token', user: null };
    case 'basic':
      return judgeToken(
        sends.secret?.() ?? '',
        sends.user ?? null,
        appci,
        current,
      );
  }
}

const STATE_TEXT: Record<EntryState, string> = {
  current: 'the token of your app.ci context: valid',
  valid: 'a valid app.ci token (not the one in your kube context)',
  'other-user': "another user's valid app.ci token",
  expired: 'an expired or revoked app.ci token: pulls fail with "unauthorized"',
  unknown: 'a token qci could not check (app.ci unreachable)',
  helper: 'a credential helper answers',
  'identity-token':
    'an identity token, sent as an OAuth2 refresh-token grant, which QCI does not accept: pulls fail with "unauthorized"',
  ambiguous: 'ambiguous',
  none: 'no credential: pulls from QCI fail with "unauthorized"',
  error: 'an entry the engine cannot use',
};

/** How serious a state is: as qci doctor rates the same finding (doctor/catalogue.ts, auth.*). */
export type StateSeverity = 'ok' | 'info' | 'warn' | 'error';

const RELOGIN = 'qci logout && qci login';

/**
 * The severity and fix of what an engine sends. A dead credential sent breaks every pull (error);
 * another user's valid token pulls, as someone else (warn); no credential is what `qci pull` repairs
 * itself by logging in (warn for podman, info for docker, which qci pulls with only when asked).
 */
export function stateVerdict(
  state: EntryState,
  engine: EngineName,
  here: {
    /** No kubeconfig or no app.ci context: `qci login` cannot work, the browser login can (as doctor says). */
    noAppCiLogin?: boolean;
    /** A file podman must find and does not: the fix is the login that writes it. */
    missing?: EngineView['missing'];
  } = {},
): { severity: StateSeverity; fix: string | null } {
  const verdict = engineVerdict(state, engine);
  const missing = here.missing;
  const fix = missing
    ? `qci login${missing.via.startsWith('--authfile') ? ` --authfile ${missing.path}` : ''}`
    : verdict.fix;
  return {
    ...verdict,
    fix: here.noAppCiLogin && fix ? withBrowserLogin(fix) : fix,
  };
}

function engineVerdict(
  state: EntryState,
  engine: EngineName,
): { severity: StateSeverity; fix: string | null } {
  switch (state) {
    case 'current':
    case 'valid':
    case 'helper':
      return { severity: 'ok', fix: null };
    case 'unknown':
      return { severity: 'info', fix: null };
    case 'none':
      return engine === 'podman'
        ? { severity: 'warn', fix: 'qci login' }
        : { severity: 'info', fix: 'qci login --engine docker' };
    case 'other-user':
      return { severity: 'warn', fix: RELOGIN };
    case 'error':
      return { severity: 'error', fix: 'qci doctor (it names the file)' };
    default:
      return { severity: 'error', fix: RELOGIN };
  }
}

const SENDS: Record<Sent['kind'], SendsWord> = {
  fails: 'fails-before-sending',
  nothing: 'nothing',
  basic: 'credential',
  'identity-token': 'identity-token',
  ambiguous: 'ambiguous',
  unasked: 'credential',
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
  const effective = await resolveCredential(states, host, QCI_REPOSITORY_PATH, {
    engine,
    ask: helperAsker(setup),
  });
  const { state, user } = await judge(effective, appci, current);
  const describe = describer(setup);
  const winner = effective.winner;
  const candidates = effective.candidates.map((c) => ({
    file: c.file.path,
    key: c.key,
  }));
  return {
    engine,
    installed: onPath(engine, setup.env) !== null,
    version: version ?? null,
    state,
    sends: SENDS[effective.sends.kind],
    file: winner?.file.path ?? effective.error?.file.path ?? null,
    key: winner?.key ?? effective.error?.key ?? null,
    helper: winner?.helper ?? null,
    user,
    candidates,
    detail: detailOf(effective, state, describe, (p) => tildify(p, setup.home)),
    // docker-credential-qci registered in several files (qci login --helper) holds no secret to hide or leave behind.
    shadowed: effective.shadowed
      .filter((s) => s.helper !== HELPER_NAME)
      .map(describe),
    unreachableByPodmanLogout:
      engine === 'podman'
        ? effective.unreachableByPodmanLogout
            .filter((s) => s.helper !== HELPER_NAME)
            .map(describe)
        : [],
    placeholders: dockerPlaceholders(effective, describe),
    missing: missingFile(effective, states),
  };
}

/** The file the engine failed on because it must exist and does not; null for every other failure. */
function missingFile(
  effective: EffectiveCredential,
  states: readonly AuthFileState[],
): EngineView['missing'] {
  const ref = effective.error?.file;
  if (!ref?.mustExist) return null;
  const state = states.find((s) => s.path === ref.path)?.state;
  return state === 'absent' ? { path: ref.path, via: ref.why } : null;
}

function describer(setup: AuthSetup) {
  return (s: CredentialSource) =>
    `${s.helper ? `credential helper docker-credential-${s.helper} for ` : ''}${s.key} in ${tildify(s.file.path, setup.home)}`;
}

/** One sentence: what the engine sends and whether that works. */
function detailOf(
  effective: EffectiveCredential,
  state: EntryState,
  describe: (s: CredentialSource) => string,
  t: (path: string) => string,
): string {
  const { engine, host, winner } = effective;
  if (state === 'error')
    return `${engine} fails before sending anything: ${effective.error?.reason ?? 'unusable entry'}`;
  if (state === 'ambiguous')
    return `${engine} sends one of ${effective.candidates.map(describe).join(' or ')}, chosen at random on each pull (several URL-form keys for ${host} in one file)`;
  if (state === 'none' && winner)
    return `${engine} uses ${describe(winner)}, which sends no credential (an empty user name or password): pulls from QCI fail with "unauthorized"`;
  const ignored = effective.ignored;
  if (state === 'none' && ignored) {
    const path = ignored.file.path;
    const reason = ignored.reason.startsWith(`${path}: `)
      ? `${t(path)} ${ignored.reason.slice(path.length + 2)}`
      : ignored.reason;
    // docker 20.10 prints "WARNING: Error loading config file" and pulls anonymously.
    return `${engine} has no credential: ${reason}, so ${engine} warns and pulls anonymously; pulls from QCI fail with "unauthorized"`;
  }
  if (state === 'none') return `${engine} has ${STATE_TEXT.none}`;
  return `${engine} uses ${winner ? describe(winner) : ''}: ${STATE_TEXT[state]}`;
}

/**
 * docker's `{}` placeholders it passed over with no helper in play: `docker logout KEY` removes one
 * (and the host's `http://` and `https://` keys), as docker/cli `cli/command/registry/logout.go` does.
 */
function dockerPlaceholders(
  effective: EffectiveCredential,
  describe: (s: CredentialSource) => string,
): string[] {
  const passed = effective.passedOver;
  if (effective.engine !== 'docker' || passed.some((s) => s.helper)) return [];
  return passed
    .filter((s) => s.entry?.kind === 'placeholder')
    .map(
      (s) =>
        `${describe(s)} is a {} placeholder with no credential helper behind it; remove it with: docker logout ${s.key}`,
    );
}

export interface StatusReport {
  registry: string;
  /** --authfile, when asked about podman with one. */
  authfile: string | null;
  appci: AppCiFacts | null;
  appciError: {
    kind: string;
    message: string;
    hint: string | null;
    exitCode: number;
  } | null;
  engines: EngineView[];
  /** --authfile names a pull secret (several registries' entries): whose token its QCI entry holds, until when. */
  pullSecret: PullSecretView | null;
  exitCode: number;
}

/** qci whoami: app.ci identity, token expiry, QCI access, and what each engine would send to QCI. */
export async function qciStatus(
  setup: AuthSetup,
  options: { authfile?: string | undefined } = {},
): Promise<StatusReport> {
  // Asked and read while app.ci answers: neither waits for the other.
  const asked = podmanVersion(setup);
  // --authfile is podman's flag (docker has none): it changes podman's files only.
  const reading = asked.then((version) =>
    Promise.all(
      (['podman', 'docker'] as const).map(async (engine) => {
        const authfile = engine === 'podman' ? options.authfile : undefined;
        const refs = candidates(setup, engine, version, authfile);
        return { engine, states: await readAuthFiles(refs) };
      }),
    ),
  );
  reading.catch(() => {}); // its failure is met by the await below, not an unhandled rejection
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
  const version = await asked;
  const engines: EngineView[] = [];
  for (const { engine, states } of await reading) {
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
  const given = options.authfile
    ? (await reading)[0]?.states.find((s) => s.path === options.authfile)
    : undefined;
  const pullSecret = given
    ? await viewPullSecret(setup, given, {
        appci,
        current: current && { ...current, expiresAt: facts?.expiresAt ?? null },
      })
    : null;
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
    authfile: options.authfile ?? null,
    appci: facts,
    appciError,
    engines,
    pullSecret,
    exitCode,
  };
}

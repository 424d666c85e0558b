import {
  effectiveCredential,
  readAuthFiles,
  type AuthFileState,
  type CredentialSource,
} from '../auth/index.js';
import { ExitCode, QciError } from '../core/errors.js';
import { QCI_REPOSITORY_PATH } from '../core/reference.js';
import { onPath, type EngineName } from '../engine/engine.js';
import type { AppCi } from '../kube/appci.js';
import { HELPER_NAME } from '../auth/credential-helper.js';
import { tildify } from '../core/paths.js';

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

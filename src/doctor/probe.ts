/**
 * What the checks read and ask, done once per doctor run: the podman version, app.ci's answer about the
 * kube context, the auth files each engine reads, and app.ci's memoised verdict on each stored token.
 * Each check gets the part it needs as its probe.
 */
import { existsSync } from 'node:fs';
import {
  readAuthFiles,
  resolveCredential,
  type AuthFileState,
  type EffectiveCredential,
} from '../auth/index.js';
import { HELPER_NAME } from '../auth/credential-helper.js';
import { QciError } from '../core/errors.js';
import { tildify } from '../core/paths.js';
import { isOtherUsersToken } from '../core/token.js';
import { QCI_REPOSITORY_PATH } from '../core/reference.js';
import { findEngine, onPath, type EngineName } from '../engine/engine.js';
import { notAppCiReason, type AppCi } from '../kube/appci.js';
import { currentAppCiToken } from '../kube/current-token.js';
import { checkCredential, pingRegistry } from '../registry/ping.js';
import { helperAsker } from '../session/ask-helper.js';
import { viewPullSecret } from '../session/pull-secret-check.js';
import {
  appCiFacts,
  candidates,
  podmanVersion,
  type AuthSetup,
} from '../session/setup.js';
import type { AppCiProbe } from './checks/appci.js';
import type { AuthProbe } from './checks/auth-entries.js';
import type { EnginesProbe } from './checks/engines.js';
import type { EnvironmentProbe } from './checks/environment.js';
import type { TokenState } from './checks/helpers.js';
import type { OldRegistriesProbe } from './checks/old-registries.js';
import type { RegistryProbe } from './checks/registry.js';

type AppCiAnswer = { appci: AppCi | undefined } & AppCiProbe['appci'] & {
    token: string | null;
  };

export interface Shared {
  setup: AuthSetup;
  /** `qci doctor --authfile PATH`: podman is `podman --authfile PATH`. */
  authfile: string | undefined;
  version: Promise<string | undefined>;
  appci: Promise<AppCiAnswer>;
  /** The auth files each engine reads, in its order. */
  files: Promise<{ engine: EngineName; states: AuthFileState[] }[]>;
  /** What each engine sends for QCI, its credential helpers asked as it asks them. */
  effective: Promise<Map<EngineName, EffectiveCredential>>;
  /** Memoised app.ci verdict on a stored token. */
  tokenState(secret: string): Promise<TokenState>;
}

export function share(setup: AuthSetup, authfile?: string): Shared {
  const version = podmanVersion(setup).catch(() => undefined);
  const appci = askAppCi(setup);
  const files = (async () => {
    const v = await version;
    return Promise.all(
      (['podman', 'docker'] as const).map(async (engine) => {
        // --authfile is podman's flag (docker has none): it changes podman's files only.
        const explicit = engine === 'podman' ? authfile : undefined;
        const refs = candidates(setup, engine, v, explicit);
        return { engine, states: await readAuthFiles(refs) };
      }),
    );
  })();
  const effective = files.then((f) => whatEnginesSend(setup, f));
  effective.catch(() => {}); // met by the checks that await it, never an unhandled rejection
  const verdicts = new Map<string, Promise<TokenState>>();
  const tokenState = (secret: string) => {
    let verdict = verdicts.get(secret);
    if (!verdict) {
      verdict = judgeToken(appci, secret);
      verdicts.set(secret, verdict);
    }
    return verdict;
  };
  return { setup, authfile, version, appci, files, effective, tokenState };
}

async function whatEnginesSend(
  setup: AuthSetup,
  files: { engine: EngineName; states: AuthFileState[] }[],
): Promise<Map<EngineName, EffectiveCredential>> {
  const host = setup.settings.registry;
  const ask = helperAsker(setup);
  return new Map(
    await Promise.all(
      files.map(
        async ({ engine, states }) =>
          [
            engine,
            await resolveCredential(states, host, QCI_REPOSITORY_PATH, {
              engine,
              ask,
            }),
          ] as const,
      ),
    ),
  );
}

async function askAppCi(setup: AuthSetup): Promise<AppCiAnswer> {
  try {
    const { appci, facts, token } = await appCiFacts(setup);
    return { appci, facts, token, error: null };
  } catch (error) {
    if (!(error instanceof QciError)) throw error;
    const fallback = await setup.connect().catch(() => undefined);
    return { appci: fallback, facts: null, token: null, error };
  }
}

async function judgeToken(
  answer: Promise<AppCiAnswer>,
  secret: string,
): Promise<TokenState> {
  const a = await answer;
  if (a.token && secret === a.token && a.facts) return 'current';
  if (!a.appci) return 'unknown';
  const p = await a.appci.probeToken(secret);
  if (p.state === 'valid')
    return isOtherUsersToken(p.username, a.facts?.user)
      ? 'other-user'
      : 'valid';
  return p.state === 'expired' ? 'expired' : 'unknown';
}

export async function enginesProbe(s: Shared): Promise<EnginesProbe> {
  return {
    version: await s.version,
    podman: onPath('podman', s.setup.env) !== null,
    docker: onPath('docker', s.setup.env) !== null,
  };
}

export async function appCiProbe(s: Shared): Promise<AppCiProbe> {
  const a = await s.appci;
  return {
    appci: a.error
      ? { facts: null, error: a.error }
      : { facts: a.facts, error: null },
    now: s.setup.now(),
  };
}

export async function authProbe(s: Shared): Promise<AuthProbe> {
  const { setup } = s;
  return {
    host: setup.settings.registry,
    home: setup.home,
    authfile: s.authfile ?? null,
    files: await s.files,
    effective: await s.effective,
    tokenState: s.tokenState,
    installed: (binary) => onPath(binary, setup.env) !== null,
    currentToken: () => currentAppCiToken(setup.env, setup.context),
    pullSecret: () => pullSecretOf(s),
    uncheckedWhy: async () => {
      const { appci } = await s.appci;
      return (appci && notAppCiReason(appci.context)) ?? 'app.ci unreachable';
    },
  };
}

/** --authfile read as a pull secret, with what app.ci already said about the kube context's token. */
async function pullSecretOf(s: Shared) {
  const given = s.authfile;
  const state = given
    ? (await s.files)[0]?.states.find((f) => f.path === given)
    : undefined;
  if (!state) return null;
  const a = await s.appci;
  const current =
    a.token && a.facts
      ? { token: a.token, user: a.facts.user, expiresAt: a.facts.expiresAt }
      : undefined;
  return viewPullSecret(s.setup, state, { appci: a.appci, current });
}

export function environmentProbe(s: Shared): EnvironmentProbe {
  return { env: s.setup.env, uid: s.setup.uid, exists: existsSync };
}

export async function oldRegistriesProbe(
  s: Shared,
): Promise<OldRegistriesProbe> {
  const { setup } = s;
  const files = await s.files;
  if (!onPath('podman', setup.env))
    return { home: setup.home, files, images: null };
  const images = await setup.runner({
    command: 'podman',
    args: ['images', '--format', '{{.Repository}}:{{.Tag}}'],
    env: setup.env,
    timeoutMs: 4_000,
  });
  return {
    home: setup.home,
    files,
    images:
      images.exitCode === 0 ? images.stdout.split('\n').filter(Boolean) : null,
  };
}

export function registryProbe(s: Shared, timeoutMs: number): RegistryProbe {
  const { setup } = s;
  const { registry: host, tlsVerify } = setup.settings;
  const http = { env: setup.env, tlsVerify, timeoutMs };
  const engine = engineInUse(setup);
  return {
    host,
    engine,
    authfile: engine === 'podman' ? s.authfile : undefined,
    ping: () => pingRegistry(host, http),
    engineSends: () => engineSends(s, engine),
    checkCredential: (ping, credential) =>
      checkCredential(host, ping, credential, http),
  };
}

/** The engine qci would run (--engine / QCI_ENGINE, else podman when installed, else docker). */
function engineInUse(setup: AuthSetup): EngineName {
  try {
    return findEngine(setup.settings.engine, setup.env);
  } catch {
    return 'podman'; // the engines check says none is installed
  }
}

/**
 * The credential the engine sends (a helper's answer as the engine gets it; docker-credential-qci's
 * read in-process), and where it is kept.
 */
async function engineSends(s: Shared, engine: EngineName) {
  const { setup } = s;
  const e = (await s.effective).get(engine);
  const winner = e?.winner;
  let password = e?.sends.kind === 'basic' ? e.sends.secret?.() : undefined;
  if (winner?.helper === HELPER_NAME)
    password = (
      await currentAppCiToken(setup.env, setup.context).catch(() => undefined)
    )?.token;
  if (!winner || !password) return null;
  return {
    user: e?.sends.user || winner.entry?.user || 'user',
    password,
    where: `${winner.key} in ${tildify(winner.file.path, setup.home)}`,
  };
}

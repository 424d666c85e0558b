/**
 * Fake probes for the doctor checks: auth files parsed from JSON (never read from disk), helpers and
 * app.ci answering from tables. Nothing here reads HOME or the environment.
 */
import {
  authFileRef,
  parseAuthFileText,
  resolveCredential,
  type AuthFileRef,
  type AuthFileState,
  type EffectiveCredential,
  type HelperAnswer,
} from '../../src/auth/index.js';
import { QCI_REPOSITORY_PATH } from '../../src/core/reference.js';
import type { AuthProbe } from '../../src/doctor/checks/auth-entries.js';
import type { TokenState } from '../../src/doctor/checks/helpers.js';
import type { EngineName } from '../../src/engine/engine.js';

export const HOST = 'quay-proxy.ci.openshift.org';
export const HOME = '/home/u';
/** podman's primary file (what `podman logout` edits), and docker's. */
export const PRIMARY = `${HOME}/.config/containers/auth.json`;
export const DOCKER = `${HOME}/.docker/config.json`;

export const LIVE = 'sha256~live-token-0123456789abcdefghijklmnop';
export const DEAD = 'sha256~dead-token-0123456789abcdefghijklmnop';
export const OTHER = 'sha256~other-user-0123456789abcdefghijklmno';
export const UNSEEN = 'sha256~not-checked-0123456789abcdefghijklmn';
/** app.ci's verdict on each token above. */
export const VERDICTS: Record<string, TokenState> = {
  [LIVE]: 'valid',
  [DEAD]: 'expired',
  [OTHER]: 'other-user',
  [UNSEEN]: 'unknown',
};

const b64 = (s: string) => Buffer.from(s).toString('base64');
export const basic = (secret: string, user = 'me') => ({
  auth: b64(`${user}:${secret}`),
});

/** podman's --authfile, read first (podman 4.3.1 reads its other files after it). */
export const AUTHFILE = '/work/ci-auth.json';

/** An --authfile that does not exist: podman stats it before every pull. */
export function missingAuthfile(path = AUTHFILE): AuthFileState {
  const ref = authFileRef(path, { mustExist: true, why: '--authfile' });
  return { state: 'absent', path, ref };
}

/** An auth file with this JSON; podman's primary file is the one `podman logout` edits. */
export function authFile(path: string, json: unknown): AuthFileState {
  const ref: AuthFileRef = authFileRef(path, {
    readByPodmanLogout: path === PRIMARY,
  });
  return parseAuthFileText(ref, JSON.stringify(json));
}

export interface FakeAuth {
  podman?: AuthFileState[];
  docker?: AuthFileState[];
  /** What `docker-credential-NAME get` answers. */
  helpers?: Record<string, HelperAnswer>;
  /** Programs on PATH (default: podman and docker). */
  installed?: string[];
  /** The token docker-credential-qci answers with; an Error when it has none. */
  current?: { token: string; source: string } | Error;
  why?: string;
  /** `qci doctor --authfile PATH`. */
  authfile?: string;
}

/** An auth probe over these files, with each engine's credential resolved as the engine resolves it. */
export async function fakeAuthProbe(fake: FakeAuth): Promise<AuthProbe> {
  const files = (['podman', 'docker'] as const).map((engine) => ({
    engine,
    states: fake[engine] ?? [],
  }));
  const ask = async (helper: string): Promise<HelperAnswer> =>
    fake.helpers?.[helper] ?? { state: 'not-found' };
  const effective = new Map<EngineName, EffectiveCredential>();
  for (const { engine, states } of files)
    effective.set(
      engine,
      await resolveCredential(states, HOST, QCI_REPOSITORY_PATH, {
        engine,
        ask,
      }),
    );
  const current = fake.current;
  return {
    host: HOST,
    home: HOME,
    authfile: fake.authfile ?? null,
    files,
    effective,
    tokenState: async (secret) => VERDICTS[secret] ?? 'unknown',
    installed: (binary) =>
      (fake.installed ?? ['podman', 'docker']).includes(binary),
    currentToken: async () => {
      if (current === undefined || current instanceof Error)
        throw current ?? new Error('no kube context');
      return current;
    },
    uncheckedWhy: async () => fake.why ?? 'app.ci unreachable',
    pullSecret: async () => null,
  };
}

/** A finding in one short line for tables: "severity id", and "(safe)" when --fix applies it. */
export const sig = (f: { id: string; severity: string; autoFix: boolean }) =>
  `${f.severity} ${f.id}${f.autoFix ? ' (safe)' : ''}`;

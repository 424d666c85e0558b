/**
 * qci pull's pre-flight: which credential the engine will send to QCI, and whether it is known to be
 * dead, decided from the auth files and what qci remembers (facts-cache.ts), asking app.ci nothing.
 */
import {
  readAuthFiles,
  resolveCredential,
  type AuthFileState,
} from '../auth/index.js';
import { tildify } from '../core/paths.js';
import { QCI_REPOSITORY_PATH } from '../core/reference.js';
import { describeExpiry, tokenFacts } from '../core/token.js';
import type { EngineName } from '../engine/engine.js';
import { helperAsker } from './ask-helper.js';
import { recallToken, type TokenStanding } from './facts-cache.js';
import type { LoginReport } from './login.js';
import { candidates, versionForFiles, type AuthSetup } from './setup.js';
import { refuseHostileStates } from './engine-files.js';

/** What the pre-flight found, and whether qci logged in because of it. */
export interface Preflight {
  state: 'ok' | 'login-needed' | 'unchecked';
  reason: string;
  loggedIn: LoginReport | null;
  /** When the token the engine sends expires (ISO), as app.ci proved it. */
  expiresAt?: string | null;
  /** Whose token it is (app.ci's answer). */
  user?: string | null;
}

/** The pre-flight's finding, with the token the engine sends and where it is stored (not reported). */
export type PreflightFinding = Omit<Preflight, 'loggedIn'> & {
  secret?: string;
  where?: string;
  /** The engine sends no credential at all (no entry, or one without a secret). */
  sendsNothing?: boolean;
};

/**
 * qci pull's first step (and release --pull's): the engine's auth files read once, refused first when
 * `refuse` and one would hang the engine (a FIFO, a device), then the pre-flight over them.
 */
export async function readAndPreflight(
  setup: AuthSetup,
  engine: EngineName,
  authfile: string | undefined,
  refuse: boolean,
): Promise<PreflightFinding> {
  const version = await versionForFiles(setup, engine, authfile);
  const files = await readAuthFiles(
    candidates(setup, engine, version, authfile),
  );
  if (refuse) refuseHostileStates(setup, engine, files);
  return preflight(setup, engine, files);
}

/**
 * Will the engine send a credential not known to be dead? Decided from the auth files and what qci
 * remembers of the token (facts-cache.ts), asking no one.
 */
async function preflight(
  setup: AuthSetup,
  engine: EngineName,
  files: readonly AuthFileState[],
): Promise<PreflightFinding> {
  const host = setup.settings.registry;
  // Helpers are asked as the engine will ask them; their answer is checked like a stored token.
  const effective = await resolveCredential(files, host, QCI_REPOSITORY_PATH, {
    engine,
    ask: helperAsker(setup),
  });
  const winner = effective.winner;
  const where = winner
    ? `${winner.helper ? `docker-credential-${winner.helper} for ` : ''}${winner.key} in ${tildify(winner.file.path, setup.home)}`
    : '';
  const sends = effective.sends;
  // A failing helper is not something a login repairs: let the pull show the engine's own error.
  if (effective.error?.helper !== undefined)
    return { state: 'unchecked', reason: effective.error.reason };
  if (effective.outcome === 'error')
    return {
      state: 'login-needed',
      reason: effective.error?.reason ?? 'unusable auth entry',
    };
  if (sends.kind === 'ambiguous')
    return {
      state: 'login-needed',
      reason: `${engine} picks one of several URL-form keys for ${host} at random`,
    };
  if (sends.kind === 'identity-token')
    return {
      state: 'login-needed',
      reason: `${where} sends an identity token, which ${host} does not accept`,
    };
  if (sends.kind === 'unasked')
    return {
      state: 'unchecked',
      reason: `a credential helper answers for ${host}`,
    };
  const secret = sends.kind === 'basic' ? sends.secret?.() : undefined;
  if (!secret)
    return {
      state: 'login-needed',
      sendsNothing: sends.kind === 'nothing',
      reason: winner
        ? `${where} sends no credential`
        : `${engine} has no credential for ${host}`,
    };
  // The registry checks the credential on every pull: app.ci is asked only when it refuses (a login).
  const known = await recallToken(setup, secret, setup.now());
  const found =
    known.known === 'nothing'
      ? unprovedStanding(secret, where, setup.now())
      : standingOf(known, where, setup.now());
  return { ...found, secret, where };
}

/** The pre-flight's verdict on a token from what qci remembers of it, without asking app.ci. */
function standingOf(
  known: TokenStanding,
  where: string,
  now: Date,
): Omit<Preflight, 'loggedIn'> {
  switch (known.known) {
    case 'live':
      return {
        state: 'ok',
        reason: `${where} holds a valid app.ci token (${known.facts.user}, as proved before)`,
        expiresAt: known.facts.expiresAt,
        user: known.facts.user,
      };
    case 'expired':
      return {
        state: 'login-needed',
        reason: `${where} holds an app.ci token that ${describeExpiry(new Date(known.facts.expiresAt!), now)}`,
      };
    case 'rejected':
      return {
        state: 'login-needed',
        reason: `${where} holds an expired or revoked app.ci token (${known.rejection.by} rejected it)`,
      };
    default:
      return {
        state: 'unchecked',
        reason: `${where} holds a token qci has not proved; the registry checks it`,
      };
  }
}

/**
 * A token qci has never proved: a JWT (a ServiceAccount token) carries its expiry, known without asking
 * anyone; an OAuth token's is app.ci's to say, so the registry checks it.
 */
function unprovedStanding(
  secret: string,
  where: string,
  now: Date,
): Omit<Preflight, 'loggedIn'> {
  const expiresAt = tokenFacts(secret).expiresAt;
  if (expiresAt && expiresAt.getTime() <= now.getTime())
    return {
      state: 'login-needed',
      reason: `${where} holds a token that ${describeExpiry(expiresAt, now)}`,
    };
  return {
    state: 'unchecked',
    reason: `${where} holds a token qci has not proved; the registry checks it`,
    expiresAt: expiresAt?.toISOString() ?? null,
  };
}

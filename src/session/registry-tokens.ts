/**
 * The registry's pull token, kept between runs, so that `qci images` and `qci pull --if-stale` send
 * their manifest requests as soon as a connection is open instead of asking the token realm first (a
 * round trip, and on quay-proxy a TokenReview and a SubjectAccessReview on app.ci each time). quay-proxy's
 * tokens are JWTs valid 6 hours (ci-tools cmd/qci-appci); a token is kept until its `exp` or the token
 * service's `expires_in` (the distribution spec's token.md), whichever comes first, less a minute, and
 * never more than an hour.
 *
 * It is a credential: the file is written atomically with mode 0600, only beside what qci already keeps
 * (a fresh machine is left without one), never shown; `qci logout` removes the registry's entry. An entry
 * is for one credential (a SHA-256 of the user and secret the engine sends): a new login asks anew. A
 * token the registry rejects is forgotten and asked again (session/images.ts).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { factsCacheFile, type CacheWhere } from '../io/cache-files.js';
import { sha256Hex } from '../core/sha256.js';
import { isSendableBearer, jwtClaims } from '../core/token.js';
import type { MintedToken } from '../registry/inspect.js';
import {
  readCacheEntries,
  withNewest,
  writeCacheEntries,
} from './facts-cache.js';

const MAX_ENTRIES = 8;
/** The distribution spec's default lifetime, when the token service names none. */
const DEFAULT_LIFETIME_S = 60;
/**
 * Never kept longer than this, whatever a token says: quay-proxy checks only its own JWT, so a kept
 * token reads QCI's tags for as long as it is kept after its app.ci token is revoked.
 */
const MAX_LIFETIME_S = 3600;
/** Left unused this long before it expires: a request under way must not carry a token that just died. */
const MARGIN_MS = 60_000;

export function registryTokenFile(where: CacheWhere): string {
  return join(factsCacheFile(where), '..', 'registry-tokens.json');
}

interface Entry {
  /** sha256 of "user:secret" of the credential the token was asked with. */
  credential: string;
  token: string;
  expiresAt: string;
}

const isEntry = (v: unknown): v is Entry => {
  const e = v as Partial<Entry> | null;
  return (
    !!e &&
    typeof e.credential === 'string' &&
    typeof e.token === 'string' &&
    e.token.length > 0 &&
    e.token.length < 16_384 &&
    typeof e.expiresAt === 'string'
  );
};

const keyOf = (host: string, scope: string) => `${host} ${scope}`;

function fingerprint(credential: { user: string; password: string }): string {
  return sha256Hex(`${credential.user}:${credential.password}`);
}

/** A JWT's `exp`, seconds since the epoch; null when the token is not a JWT that says. */
export function jwtExpiry(token: string): number | null {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
}

/**
 * When a minted token stops being worth sending: the earliest of its JWT `exp` and `expires_in` from
 * `issued_at` (or now). A JWT's own `exp` stands where `expires_in` is left out (quay-proxy answers only
 * `{"token": …}`); the spec's 60 s default is for a token that says nothing.
 */
export function keepUntil(minted: MintedToken, now: Date): Date {
  const issued =
    typeof minted.issuedAt === 'string'
      ? Date.parse(minted.issuedAt)
      : Number.NaN;
  const from = Number.isFinite(issued) ? issued : now.getTime();
  const exp = jwtExpiry(minted.token);
  const candidates = [now.getTime() + MAX_LIFETIME_S * 1000];
  if (typeof minted.expiresIn === 'number' && minted.expiresIn > 0)
    candidates.push(from + minted.expiresIn * 1000);
  if (exp !== null) candidates.push(exp * 1000);
  if (candidates.length === 1)
    candidates.push(from + DEFAULT_LIFETIME_S * 1000);
  return new Date(Math.min(...candidates) - MARGIN_MS);
}

async function load(where: CacheWhere): Promise<[string, Entry][]> {
  const entries = await readCacheEntries(
    registryTokenFile(where),
    'qci registry token cache',
  );
  return Object.entries(entries).filter((e): e is [string, Entry] =>
    isEntry(e[1]),
  );
}

async function save(where: CacheWhere, kept: [string, Entry][]) {
  const file = registryTokenFile(where);
  if (kept.length === 0) {
    await fsp.unlink(file).catch(() => undefined);
    return;
  }
  await writeCacheEntries(file, kept);
}

/** The kept token for this registry, scope and credential, while it is good; else undefined. */
export async function keptRegistryToken(
  where: CacheWhere,
  host: string,
  scope: string,
  credential: { user: string; password: string } | null,
  now: Date,
): Promise<string | undefined> {
  if (!credential) return undefined;
  const found = (await load(where)).find(
    ([k]) => k === keyOf(host, scope),
  )?.[1];
  if (!found) return undefined;
  const until = Date.parse(found.expiresAt);
  if (!(until > now.getTime())) return undefined;
  if (found.credential !== fingerprint(credential)) return undefined;
  // A kept token that a header cannot hold (an earlier qci kept it) is as good as none.
  return isSendableBearer(found.token) ? found.token : undefined;
}

/** Keeps a freshly minted token (only where qci keeps its cache already; failures are ignored). */
export async function keepRegistryToken(
  where: CacheWhere,
  host: string,
  scope: string,
  credential: { user: string; password: string } | null,
  minted: MintedToken,
  now: Date,
): Promise<void> {
  if (!credential) return;
  const until = keepUntil(minted, now);
  if (until.getTime() <= now.getTime()) return;
  try {
    const key = keyOf(host, scope);
    const alive = (await load(where)).filter(
      ([, e]) => Date.parse(e.expiresAt) > now.getTime(),
    );
    const entry: Entry = {
      credential: fingerprint(credential),
      token: minted.token,
      expiresAt: until.toISOString(),
    };
    await save(where, withNewest(alive, key, entry, MAX_ENTRIES));
  } catch {
    // read-only home, full disk: the next run asks the token service again
  }
}

/** Forgets every kept token for `host` (a rejection). Returns whether one was kept. */
export async function forgetRegistryTokens(
  where: CacheWhere,
  host: string,
): Promise<boolean> {
  try {
    const all = await load(where);
    const kept = all.filter(([k]) => !k.startsWith(`${host} `));
    if (kept.length === all.length) return false;
    await save(where, kept);
    return true;
  } catch {
    return false;
  }
}

/** After a session's requests: the token the realm gave kept for the next run, a refused kept one forgotten. */
export async function settleKeptToken(
  where: CacheWhere,
  host: string,
  credential: { user: string; password: string } | null,
  session: { minted?: MintedToken | undefined; bearerRejected: boolean },
  now: Date,
  scope: string,
): Promise<void> {
  if (session.minted)
    await keepRegistryToken(
      where,
      host,
      scope,
      credential,
      session.minted,
      now,
    );
  else if (session.bearerRejected) await forgetRegistryTokens(where, host);
}

/** Forgets every kept token, of every registry (a logout: they are only a cache). */
export async function forgetAllRegistryTokens(
  where: CacheWhere,
): Promise<void> {
  await fsp.unlink(registryTokenFile(where)).catch(() => undefined);
}

/**
 * The registry's auth challenge (the `Www-Authenticate` of GET /v2/), remembered per host so that the next
 * `qci images` asks the token realm at once, a round trip sooner. Nothing secret is in it. Kept only for a
 * realm on the registry's own host (quay-proxy's is its /v2/auth), for 7 days, beside the facts cache (0600,
 * in the 0700 directory that cache made); a missing or damaged file is an empty cache.
 */
import { join } from 'node:path';
import type { KnownChallenge } from '../registry/kept-session.js';
import { parseChallenge } from '../registry/ping.js';
import {
  factsCacheFile,
  readCacheEntries,
  withNewest,
  writeCacheEntries,
  type CacheWhere,
} from './facts-cache.js';

const MAX_AGE_MS = 7 * 86_400_000;
const MAX_ENTRIES = 16;

export function challengeFile(where: CacheWhere): string {
  return join(factsCacheFile(where), '..', 'registry-challenges.json');
}

interface Entry extends KnownChallenge {
  seenAt: string;
}

const isEntry = (v: unknown): v is Entry => {
  const e = v as Partial<Entry> | null;
  return (
    !!e &&
    (e.scheme === 'https' || e.scheme === 'http') &&
    typeof e.challenge === 'string' &&
    e.challenge.length < 1000 &&
    typeof e.seenAt === 'string'
  );
};

/** The realm's host, when it is a URL. */
function realmHost(challenge: string): string | null {
  const realm = parseChallenge(challenge)?.realm;
  try {
    return realm ? new URL(realm).host : null;
  } catch {
    return null;
  }
}

/** Only a challenge whose realm is the registry itself: a file can never send credentials elsewhere. */
const ownRealm = (host: string, challenge: string) =>
  realmHost(challenge)?.toLowerCase() === host.toLowerCase();

async function load(where: CacheWhere) {
  const entries = await readCacheEntries(
    challengeFile(where),
    'qci registry challenge cache',
  );
  return Object.entries(entries).filter((e): e is [string, Entry] =>
    isEntry(e[1]),
  );
}

/**
 * The challenge remembered for `host`, if it may be used now: plain http (learned with TLS verification
 * off) only while verification is off, so that it can never turn a verified run to plain http.
 */
export async function rememberedChallenge(
  where: CacheWhere,
  host: string,
  now: Date,
  tlsVerify: boolean,
): Promise<KnownChallenge | undefined> {
  const found = (await load(where)).find(([h]) => h === host)?.[1];
  if (!found || !ownRealm(host, found.challenge)) return undefined;
  if (found.scheme === 'http' && tlsVerify) return undefined;
  const age = now.getTime() - Date.parse(found.seenAt);
  if (!(age >= 0 && age < MAX_AGE_MS)) return undefined;
  const tags = Number.isSafeInteger(found.tags) ? found.tags : undefined;
  return {
    scheme: found.scheme,
    challenge: found.challenge,
    ...(tags ? { tags } : {}),
    ...(typeof found.h2 === 'boolean' ? { h2: found.h2 } : {}),
  };
}

export async function rememberChallenge(
  where: CacheWhere,
  host: string,
  seen: KnownChallenge,
  now: Date,
): Promise<void> {
  if (!ownRealm(host, seen.challenge)) return;
  try {
    const entry: Entry = { ...seen, seenAt: now.toISOString() };
    await writeCacheEntries(
      challengeFile(where),
      withNewest(await load(where), host, entry, MAX_ENTRIES),
    );
  } catch {
    // read-only home, full disk: the next command pings again
  }
}

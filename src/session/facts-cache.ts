/**
 * What app.ci proved about a token (who, until when, QCI access), remembered until the token expires,
 * so that a pull with a known-good token asks app.ci nothing. A private file (0600, in a 0700
 * directory under $XDG_CACHE_HOME/qci or ~/.cache/qci), keyed by a hash of the token: the token itself
 * is never written. A token revoked meanwhile is still caught: the pull fails on authentication, and
 * qci forgets the token, logs in again and retries once.
 */
import { sha256Hex } from '../core/sha256.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { writeCacheFile } from '../auth/index.js';
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import { factsCacheFile, type CacheWhere } from '../io/cache-files.js';

/**
 * How long the facts of a token whose expiry app.ci did not say are kept: the longest an app.ci OAuth
 * token lives (its OAuth server's accessTokenMaxAgeSeconds, 2419200).
 */
export const UNKNOWN_EXPIRY_KEPT_MS = 28 * 86_400_000;

export interface ProvenFacts {
  user: string;
  expiresAt: string | null;
  qciAccess: boolean;
  /** The app.ci server that proved them. */
  server: string;
  provedAt: string;
}

export { factsCacheFile, type CacheWhere } from '../io/cache-files.js';
type Where = CacheWhere;

/** A hash that names the token and cannot be turned back into it (nor is the OAuth token's object name). */
export function tokenKey(token: string): string {
  return sha256Hex(`qci facts v1\0${token}`);
}

type Entries = Record<string, ProvenFacts>;

const Facts = z.object({
  user: z.string(),
  expiresAt: z.nullable(z.string()),
  qciAccess: z.boolean(),
  server: z.string(),
  provedAt: z.string(),
});
const valid = (value: unknown): value is ProvenFacts =>
  Facts.safeParse(value).success;

/**
 * The `entries` object of one of qci's cache files (`{"entries": {…}}`), unchecked; a missing or
 * damaged file is an empty cache (it is only a cache).
 */
export async function readCacheEntries(
  file: string,
  what: string,
): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(
      await readFileSafe(file, { maxBytes: MAX_BYTES.config, what }),
    );
    const entries = (parsed as { entries?: unknown } | null)?.entries;
    return typeof entries === 'object' && entries !== null
      ? (entries as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** The entries still fresh at `now`. */
async function load(where: Where, now: Date): Promise<Entries> {
  const entries = await readCacheEntries(
    factsCacheFile(where),
    'qci facts cache',
  );
  const fresh: Entries = {};
  for (const [key, value] of Object.entries(entries))
    if (valid(value) && isFresh(value, now)) fresh[key] = value;
  return fresh;
}

/** Facts hold until the token expires (a rejection forgets them sooner: forgetFacts). */
function isFresh(facts: ProvenFacts, now: Date): boolean {
  const proved = Date.parse(facts.provedAt);
  const age = now.getTime() - proved;
  if (!Number.isFinite(proved) || age < 0) return false;
  if (facts.expiresAt === null) return age <= UNKNOWN_EXPIRY_KEPT_MS;
  return Date.parse(facts.expiresAt) > now.getTime();
}

async function save(where: Where, entries: Entries): Promise<void> {
  const file = factsCacheFile(where);
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  await writeCacheFile(file, `${JSON.stringify({ entries })}\n`);
}

/** What was proved about `token`, if it has not expired since. */
export async function recallFacts(
  where: Where,
  token: string,
  now: Date,
): Promise<ProvenFacts | null> {
  return (await load(where, now))[tokenKey(token)] ?? null;
}

/**
 * The cache as it is, read ahead for rememberFacts: a proof's caller reads it while app.ci answers, so
 * that only the write waits for the answer. Never fails (an unreadable cache is an empty one).
 */
export function readFactsAhead(where: Where, now: Date): Promise<Entries> {
  return load(where, now).catch(() => ({}));
}

/** Remembers a proof; never fails the command (a cache that cannot be written is no cache). */
export async function rememberFacts(
  where: Where,
  token: string,
  facts: Omit<ProvenFacts, 'provedAt'>,
  now: Date,
  readAhead?: Promise<Entries>,
): Promise<void> {
  try {
    const entries = await (readAhead ?? load(where, now));
    entries[tokenKey(token)] = { ...facts, provedAt: now.toISOString() };
    await save(where, entries);
  } catch {
    // read-only home, full disk: the next command asks app.ci again
  }
}

/** Forgets a token that a registry has just rejected. */
export async function forgetFacts(
  where: Where,
  token: string,
  now: Date,
): Promise<void> {
  try {
    const entries = await load(where, now);
    const key = tokenKey(token);
    if (!(key in entries)) return;
    delete entries[key];
    await save(where, entries);
  } catch {
    // as above
  }
}

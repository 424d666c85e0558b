/**
 * What app.ci proved about a token (who, until when, QCI access), remembered until the token expires,
 * and that a registry or app.ci rejected a token: a pull then knows, without asking app.ci, whether the
 * token the engine sends is known to be dead. A private file (0600, in a 0700 directory under
 * $XDG_CACHE_HOME/qci or ~/.cache/qci), keyed by a hash of the token: the token itself is never
 * written. A token revoked meanwhile is still caught: the pull fails on authentication, and qci
 * remembers the rejection, logs in again and retries once.
 */
import { sha256Hex } from '../core/sha256.js';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { writeCacheFile } from '../auth/index.js';
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import { factsCacheFile, type CacheWhere } from '../io/cache-files.js';

/**
 * How long the facts of a token whose expiry app.ci did not say are kept, and a rejection or an expiry
 * remembered: the longest an app.ci OAuth token lives (its OAuth server's accessTokenMaxAgeSeconds,
 * 2419200).
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

/** A registry or app.ci refused the token (expired or revoked): it is not sent again unchallenged. */
export interface Rejection {
  rejectedAt: string;
  by: 'registry' | 'app.ci';
}

type Entries = Record<string, ProvenFacts | Rejection>;

/** What qci knows about a token, without asking anyone. */
export type TokenStanding =
  | { known: 'live'; facts: ProvenFacts }
  | { known: 'expired'; facts: ProvenFacts }
  | { known: 'rejected'; rejection: Rejection }
  | { known: 'nothing' };

const Facts = z.object({
  user: z.string(),
  expiresAt: z.nullable(z.string()),
  qciAccess: z.boolean(),
  server: z.string(),
  provedAt: z.string(),
});
const RejectionSchema = z.object({
  rejectedAt: z.string(),
  by: z.enum(['registry', 'app.ci']),
});
const valid = (value: unknown): value is ProvenFacts | Rejection =>
  Facts.safeParse(value).success || RejectionSchema.safeParse(value).success;

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

/** `entries` with `key` set to `value` as the newest, the oldest dropped to keep at most `max`. */
export function withNewest<T>(
  entries: readonly [string, T][],
  key: string,
  value: T,
  max: number,
): [string, T][] {
  return [
    ...entries.filter(([k]) => k !== key).slice(-(max - 1)),
    [key, value],
  ];
}

/**
 * Writes `entries` as a cache file (0600, atomic), only beside what qci already keeps there (the
 * facts cache, written once app.ci proved a token): a fresh machine is left without a trace.
 */
export async function writeCacheEntries(
  file: string,
  entries: [string, unknown][],
): Promise<void> {
  const dir = await fsp.stat(join(file, '..')).catch(() => undefined);
  if (!dir?.isDirectory()) return;
  await writeCacheFile(
    file,
    `${JSON.stringify({ entries: Object.fromEntries(entries) })}\n`,
  );
}

/** The entries still worth keeping at `now`. */
async function load(where: Where, now: Date): Promise<Entries> {
  const entries = await readCacheEntries(
    factsCacheFile(where),
    'qci facts cache',
  );
  const kept: Entries = {};
  for (const [key, value] of Object.entries(entries))
    if (valid(value) && standing(value, now).known !== 'nothing')
      kept[key] = value;
  return kept;
}

/**
 * Facts hold until the token expires, then say it expired; a rejection replaces them. Whatever is older
 * than a token can live (or dated in the future: a clock gone backwards) says nothing.
 */
function standing(entry: ProvenFacts | Rejection, now: Date): TokenStanding {
  const since = 'rejectedAt' in entry ? entry.rejectedAt : entry.provedAt;
  const age = now.getTime() - Date.parse(since);
  if (!Number.isFinite(age) || age < 0 || age > UNKNOWN_EXPIRY_KEPT_MS)
    return { known: 'nothing' };
  if ('rejectedAt' in entry) return { known: 'rejected', rejection: entry };
  if (entry.expiresAt === null) return { known: 'live', facts: entry };
  return Date.parse(entry.expiresAt) > now.getTime()
    ? { known: 'live', facts: entry }
    : { known: 'expired', facts: entry };
}

async function save(where: Where, entries: Entries): Promise<void> {
  const file = factsCacheFile(where);
  await fsp.mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  await writeCacheFile(file, `${JSON.stringify({ entries })}\n`);
}

/** What qci knows about `token`: proved facts (live or expired), a rejection, or nothing. */
export async function recallToken(
  where: Where,
  token: string,
  now: Date,
): Promise<TokenStanding> {
  const entry = (await load(where, now))[tokenKey(token)];
  return entry ? standing(entry, now) : { known: 'nothing' };
}

/** What was proved about `token`, if it has not expired or been rejected since. */
export async function recallFacts(
  where: Where,
  token: string,
  now: Date,
): Promise<ProvenFacts | null> {
  const known = await recallToken(where, token, now);
  return known.known === 'live' ? known.facts : null;
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

/** Forgets what was proved about a token that `by` has just rejected, and remembers the rejection. */
export async function rememberRejection(
  where: Where,
  token: string,
  by: Rejection['by'],
  now: Date,
): Promise<void> {
  try {
    const entries = await load(where, now);
    entries[tokenKey(token)] = { rejectedAt: now.toISOString(), by };
    await save(where, entries);
  } catch {
    // as above
  }
}

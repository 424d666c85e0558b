/**
 * `podman --version`, remembered per binary: a Go program's start costs ~50–100 ms on every pull, and
 * its answer changes only when the binary does. Keyed by the binary's path and identity (device, inode,
 * size, modification and change times), so an upgrade, a reinstall or another podman earlier on PATH
 * asks again. Beside the facts cache (0600, in the 0700 directory that cache made); nothing secret is
 * in it. A missing or damaged file is an empty cache.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import {
  factsCacheFile,
  readCacheEntries,
  withNewest,
  writeCacheEntries,
  type CacheWhere,
} from './facts-cache.js';

type Where = CacheWhere;

/** At most this many binaries are remembered (the newest answers win). */
const MAX_ENTRIES = 16;

export function engineVersionFile(where: Where): string {
  return join(factsCacheFile(where), '..', 'engine-versions.json');
}

async function identity(binary: string): Promise<string | undefined> {
  try {
    const s = await fsp.stat(binary, { bigint: true });
    return [binary, s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].join('\0');
  } catch {
    return undefined;
  }
}

async function load(where: Where): Promise<Record<string, string>> {
  const entries = await readCacheEntries(
    engineVersionFile(where),
    'qci engine version cache',
  );
  return Object.fromEntries(
    Object.entries(entries).filter(
      (e): e is [string, string] =>
        typeof e[1] === 'string' && /^\d+(\.\d+)*$/.test(e[1]),
    ),
  );
}

/**
 * The version `ask` gives for `binary`, from the cache when this very binary answered before; `ask`'s
 * undefined (no answer) is not remembered.
 */
export async function cachedEngineVersion(
  where: Where,
  binary: string,
  ask: () => Promise<string | undefined>,
): Promise<string | undefined> {
  const key = await identity(binary);
  if (key === undefined) return ask();
  const entries = await load(where);
  const known = entries[key];
  if (known !== undefined) return known;
  const version = await ask();
  if (version === undefined) return version;
  try {
    await writeCacheEntries(
      engineVersionFile(where),
      withNewest(Object.entries(entries), key, version, MAX_ENTRIES),
    );
  } catch {
    // read-only home, full disk: the next command asks again
  }
  return version;
}

/**
 * An advisory lock next to an auth file, so two qci processes never lose each other's writes:
 * `<file>.qci-lock`, holding `{pid, host, nonce, at}`. Its content appears atomically: written and
 * synced to a private temp file first, then hard-linked into place (link fails if the lock exists), so
 * a lock is never seen empty or half-written, whenever qci is killed or the disk fills.
 *
 * A lock is stale when it is older than `staleMs` (no read-modify-write takes that long) or when its
 * owner ran on this host and that pid is gone. A lock that is empty or unreadable (an older qci
 * killed mid-write, or one written by hand) names no owner that could be alive: it is broken after a
 * short grace, not after `staleMs`. A stale lock is moved aside with rename (atomic, so only
 * one waiter wins), checked to be the one judged stale, and removed. podman and docker do not know this
 * lock: they write atomically but without locking, so a qci write racing `podman login` can still lose.
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { QciError } from '../core/errors.js';

export interface LockOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** A lock older than this is stale whoever holds it (default 120 s: longer than a `podman login` may take under it). */
  staleMs?: number;
  /** An empty or unparsable lock older than this is broken (default 1 s: a writer fills it at once). */
  orphanMs?: number;
}

interface LockInfo {
  pid?: number;
  host?: string;
  nonce?: string;
}

export function lockPathFor(target: string): string {
  return `${target}.qci-lock`;
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

function parseInfo(text: string): LockInfo {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null
      ? (value as LockInfo)
      : {};
  } catch {
    return {};
  }
}

/** Whether a process with this pid exists (EPERM: it does, as another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why the lock at `lockPath` may be broken, with the text judged; undefined while it is live. */
async function staleness(
  lockPath: string,
  staleMs: number,
  orphanMs: number,
): Promise<{ text: string; why: string } | 'gone' | undefined> {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = (await fsp.stat(lockPath)).mtimeMs;
    text = await fsp.readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  const info = parseInfo(text);
  const age = Date.now() - mtimeMs;
  if (age > staleMs) return { text, why: 'old' };
  if (typeof info.nonce !== 'string' && age > orphanMs)
    return { text, why: 'no owner' };
  if (
    typeof info.pid === 'number' &&
    info.host === hostname() &&
    !pidAlive(info.pid)
  )
    return { text, why: 'dead pid' };
  return undefined;
}

async function breakLock(lockPath: string, judged: string): Promise<void> {
  const { randomBytes } = await import('node:crypto');
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fsp.rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another waiter broke it first
    throw error;
  }
  const moved = await fsp.readFile(aside, 'utf8').catch(() => judged);
  if (moved !== judged) {
    // We moved a lock taken after our check: put it back unless yet another one appeared.
    await fsp.link(aside, lockPath).catch(() => undefined);
  }
  await fsp.unlink(aside).catch(() => undefined);
}

/** Writes `content` to a temp file beside the lock, then links it into place: EEXIST when it is taken. */
async function publish(lockPath: string, content: string): Promise<void> {
  const { randomBytes } = await import('node:crypto');
  const temp = join(
    dirname(lockPath),
    `.${basename(lockPath)}.${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    const handle = await fsp.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.link(temp, lockPath);
  } finally {
    await fsp.unlink(temp).catch(() => undefined);
  }
}

/**
 * Removes temp files a killed qci left beside `target` (`.<name>.qci-lock.<pid>-…`,
 * `.<name>.qci-tmp-<pid>-…`) whose process is gone on this host. Called while holding the lock.
 */
export async function sweepLeftovers(target: string): Promise<void> {
  const dir = dirname(target);
  const name = basename(target);
  const pattern = new RegExp(
    `^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.qci-(?:lock\\.|tmp-)(\\d+)-[0-9a-f]+$`,
  );
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  for (const entry of names) {
    const pid = Number(pattern.exec(entry)?.[1] ?? 0);
    if (pid > 0 && pid !== process.pid && !pidAlive(pid))
      await fsp.unlink(join(dir, entry)).catch(() => undefined);
  }
}

export interface HeldLock {
  path: string;
  release(): Promise<void>;
}

export async function acquireLock(
  target: string,
  options: LockOptions = {},
): Promise<HeldLock> {
  const lockPath = lockPathFor(target);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 120_000;
  const orphanMs = options.orphanMs ?? 1000;
  // node:crypto loads with the first lock, not with this module (a pull that writes nothing loads it).
  const { randomBytes } = await import('node:crypto');
  const nonce = randomBytes(8).toString('hex');
  const content = JSON.stringify({
    pid: process.pid,
    host: hostname(),
    nonce,
    at: new Date().toISOString(),
  });
  const deadline = Date.now() + timeoutMs;
  let delay = 4;
  for (;;) {
    try {
      await publish(lockPath, content);
      return {
        path: lockPath,
        async release() {
          // Remove it only while it is still ours (it may have been broken as stale meanwhile).
          const now = await fsp.readFile(lockPath, 'utf8').catch(() => '');
          if (parseInfo(now).nonce === nonce)
            await fsp.unlink(lockPath).catch(() => undefined);
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new QciError(
          `cannot lock ${target}: cannot create ${lockPath} (${code ?? 'error'})`,
          {
            kind: 'auth-file-write',
            hint: `check that the directory of ${target} is writable`,
            cause: error,
          },
        );
      }
    }
    const stale = await staleness(lockPath, staleMs, orphanMs);
    if (stale === 'gone') continue;
    if (stale) {
      await breakLock(lockPath, stale.text);
      continue;
    }
    if (Date.now() >= deadline) {
      const holder = parseInfo(
        await fsp.readFile(lockPath, 'utf8').catch(() => ''),
      ).pid;
      throw new QciError(
        `${target} is locked by another qci process${holder ? ` (pid ${holder})` : ''}`,
        {
          kind: 'auth-file-locked',
          hint: `wait for it to finish, or remove ${lockPath} if no qci is running`,
        },
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 100);
  }
}

/** Runs `fn` while holding the lock for `target`. */
export async function withFileLock<T>(
  target: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const lock = await acquireLock(target, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

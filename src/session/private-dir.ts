/**
 * Private temporary directories for credentials (qci exec's auth file, qci login's copy of the auth
 * file): 0700, in the per-user runtime dir when there is one, else TMPDIR, named
 * `qci-<purpose>-<pid>-<random>` so that a later qci can tell one whose process was killed (SIGKILL
 * gives no chance to clean up) and remove it.
 */
import { promises as fsp } from 'node:fs';
import { pidAlive } from '../auth/lock.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LEFTOVER = /^qci-(?:exec|login)-(\d+)-[A-Za-z0-9]{6}$/;

/** The per-user runtime dir (tmpfs, 0700) when it is ours, else TMPDIR. */
export async function privateBase(
  env: Record<string, string | undefined>,
): Promise<string> {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime) {
    const info = await fsp.stat(runtime).catch(() => undefined);
    if (info?.isDirectory() && info.uid === (process.getuid?.() ?? info.uid))
      return runtime;
  }
  return env.TMPDIR || tmpdir();
}

export async function makePrivateDir(
  env: Record<string, string | undefined>,
  purpose: 'exec' | 'login',
): Promise<string> {
  return fsp.mkdtemp(
    join(await privateBase(env), `qci-${purpose}-${process.pid}-`),
  );
}

/** Removes this user's private dirs whose qci is gone; returns what it removed. */
export async function sweepPrivateDirs(
  env: Record<string, string | undefined>,
): Promise<string[]> {
  const base = await privateBase(env);
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const name of await fsp.readdir(base).catch(() => [] as string[])) {
    const pid = Number(LEFTOVER.exec(name)?.[1] ?? 0);
    if (pid <= 0 || pid === process.pid || pidAlive(pid)) continue;
    const path = join(base, name);
    const info = await fsp.lstat(path).catch(() => undefined);
    // Only real directories of this user: never follow a link someone planted.
    if (!info?.isDirectory() || (uid !== undefined && info.uid !== uid))
      continue;
    await fsp.rm(path, { recursive: true, force: true }).catch(() => undefined);
    removed.push(path);
  }
  return removed;
}

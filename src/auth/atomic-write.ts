/**
 * The atomic write under every auth-file change: a temp file in the same directory, fsync, rename,
 * fsync of the directory, with the mode set on the descriptor. Symlinks are followed so the target is
 * replaced, not the link. Error messages name the path, never a secret.
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { QciError } from '../core/errors.js';

export function ioError(
  action: string,
  path: string,
  error: unknown,
): QciError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new QciError(`cannot ${action} ${path} (${code})`, {
    kind: 'auth-file-write',
    cause: error,
    hint: `check the permissions of ${dirname(path)}`,
  });
}

/** Follows symlinks (also dangling ones) so the write replaces the target, not the link. */
export async function resolveTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let isLink = false;
    try {
      isLink = (await fsp.lstat(current)).isSymbolicLink();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return current;
      throw ioError('read', path, error);
    }
    if (!isLink) return current;
    current = resolve(dirname(current), await fsp.readlink(current));
  }
  throw new QciError(
    `cannot update ${path}: too many levels of symbolic links`,
    { kind: 'auth-file-write' },
  );
}

export function detectIndent(text: string): string {
  const match = /^([ \t]+)\S/m.exec(text);
  if (!match?.[1]) return '\t'; // podman and docker both write tab-indented JSON
  return match[1].startsWith('\t')
    ? '\t'
    : ' '.repeat(Math.min(match[1].length, 8));
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}

/** Writes `data` to `target` atomically with `mode`: temp file beside it, fsync, rename, fsync dir. */
export function writeFileAtomic(
  target: string,
  data: string,
  mode = 0o600,
  /** Asked just before the rename: false leaves `target` as it is (and the result false). */
  stillCurrent?: () => Promise<boolean>,
): Promise<boolean> {
  return writeAtomically(target, data, mode, stillCurrent, true);
}

/**
 * A cache file (0600): atomic like writeFileAtomic, so a reader never sees half of it, but not synced to
 * disk (a cache lost in a crash is only asked again; two fsyncs can cost tens of ms on a real disk).
 */
export async function writeCacheFile(
  target: string,
  data: string,
): Promise<void> {
  await writeAtomically(target, data, 0o600, undefined, false);
}

async function writeAtomically(
  target: string,
  data: string,
  mode: number,
  stillCurrent: (() => Promise<boolean>) | undefined,
  durable: boolean,
): Promise<boolean> {
  const dir = dirname(target);
  // node:crypto loads with the first write, not with this module (a pull that writes nothing loads it).
  const { randomBytes } = await import('node:crypto');
  const temp = join(
    dir,
    `.${basename(target)}.qci-tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    const handle = await fsp.open(temp, 'wx', mode);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.chmod(mode); // open's mode passes through the umask
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    if (stillCurrent && !(await stillCurrent())) {
      await fsp.rm(temp, { force: true });
      return false;
    }
    await fsp.rename(temp, target);
  } catch (error) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw ioError('write', target, error);
  }
  if (durable) await syncDir(dir);
  return true;
}

/** What tells one version of a file from another: inode, size, change time; 'absent' when missing. */
export async function identityOf(path: string): Promise<string> {
  try {
    const s = await fsp.stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw ioError('read', path, error);
  }
}

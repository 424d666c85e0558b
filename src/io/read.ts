/**
 * The one way qci reads a file it did not write itself (auth files, kubeconfigs, the config file, token
 * files): open without blocking (a FIFO would otherwise wait for a writer forever), fstat the open file,
 * accept regular files only (not /dev/zero, a FIFO, a socket, a directory), and read at most a cap, so
 * a hostile or mistaken path can neither hang qci nor grow it without bound. The checks are made on the
 * descriptor that is then read: nothing can be swapped in between.
 *
 * A missing or forbidden file throws the usual errno error (callers decide what ENOENT means); a file
 * that is not regular or too big throws a QciError naming the file.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { QciError } from '../core/errors.js';
import { formatBytes } from '../core/bytes.js';

export interface SafeReadOptions {
  /** The most bytes qci accepts from this file. */
  maxBytes: number;
  /** What the file is, for the error: "auth file", "kubeconfig". */
  what: string;
  /** Refuse a symlink (ELOOP) instead of following it. */
  noFollow?: boolean;
}

/** Caps, each far above any real file of the kind. */
export const MAX_BYTES = {
  authFile: 4 * 1024 * 1024,
  kubeconfig: 16 * 1024 * 1024,
  config: 1024 * 1024,
  token: 64 * 1024,
} as const;

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

const flags = (options: SafeReadOptions) =>
  options.noFollow ? FLAGS | constants.O_NOFOLLOW : FLAGS;

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/** An errno-style error for a directory, as readFile gives, so callers keep their EISDIR handling. */
function refuse(path: string, stats: Stats, what: string): Error {
  if (stats.isDirectory())
    return Object.assign(new Error(`${path} is a directory`), {
      code: 'EISDIR',
    });
  return new QciError(
    `${what} ${path} is ${kindOf(stats)}, not a regular file; qci reads only regular files`,
    { kind: 'file-not-regular', hint: `point qci at a regular ${what}` },
  );
}

function tooBig(path: string, what: string, max: number): QciError {
  return new QciError(
    `${what} ${path} is larger than ${formatBytes(max)}; qci does not read it`,
    { kind: 'file-too-big', hint: `check that ${path} is really a ${what}` },
  );
}

const CHUNK = 64 * 1024;

/** Reads chunks until the end or one byte past the cap (the file may grow while it is read). */
function collect(fd: number, path: string, options: SafeReadOptions): string {
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buffer = Buffer.alloc(Math.min(CHUNK, options.maxBytes + 1 - total));
    const n = readSync(fd, buffer, 0, buffer.length, null);
    parts.push(buffer.subarray(0, n));
    total += n;
    if (n === 0 || total > options.maxBytes) break;
  }
  if (total > options.maxBytes)
    throw tooBig(path, options.what, options.maxBytes);
  return Buffer.concat(parts, total).toString('utf8');
}

/**
 * Reads a regular file of at most `maxBytes` as UTF-8. Synchronously, for the callers that await as for
 * those that cannot: qci's files are small and local, and a read on the thread pool would cost more in
 * round trips (and in loading node:fs/promises at start-up) than it could give the event loop.
 */
export async function readFileSafe(
  path: string,
  options: SafeReadOptions,
): Promise<string> {
  return readFileSafeSync(path, options);
}

/** readFileSafe for the synchronous readers (the kubeconfig loader, the config file). */
export function readFileSafeSync(
  path: string,
  options: SafeReadOptions,
): string {
  const fd = openSync(path, flags(options));
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw refuse(path, stats, options.what);
    if (stats.size > options.maxBytes)
      throw tooBig(path, options.what, options.maxBytes);
    return collect(fd, path, options);
  } finally {
    closeSync(fd);
  }
}

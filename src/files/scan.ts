/**
 * File reading and replacing for qci rewrite.
 *
 * Reads are synchronous into a reused buffer: for tens of thousands of small files that is several
 * times faster than fs.promises or a pool of callback reads on Node 20 (measured on the tree
 * bench/rewrite.mjs generates), because the per-file cost is the round trip, not the bytes. The one
 * pass over every byte (does the file mention a CI registry at all?) runs on every core: the main
 * thread and worker threads take batches of files from a shared counter.
 */
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { errnoText } from './walk.js';

/** What the pre-screen says about a file: [index, outcome, errno code for errors]. */
export type ScreenResult = [
  number,
  typeof MENTIONS | typeof TOO_LARGE | typeof UNREADABLE,
  string?,
];
export const MENTIONS = 1;
export const TOO_LARGE = 2;
export const UNREADABLE = 3;

/**
 * Takes batches of `files` from the shared `counter` and reports the ones that contain `marker`, are
 * over `maxBytes`, or cannot be read. Self-contained (it uses only its parameters) because worker threads
 * run it from its source text.
 */
export function screenFiles(
  fsModule: Pick<typeof fs, 'openSync' | 'readSync' | 'closeSync'>,
  files: string[],
  counter: Int32Array,
  maxBytes: number,
  marker: string,
  isWorker = false,
): ScreenResult[] {
  const needle = Buffer.from(marker, 'latin1');
  const out: ScreenResult[] = [];
  let buffer = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    // counter[0]: the next file to take; counter[1]: claims made by workers, counted before each claim
    // and taken back when it comes up empty, so the main thread knows whether any worker holds results.
    if (isWorker) Atomics.add(counter, 1, 1);
    const start = Atomics.add(counter, 0, 64);
    if (start >= files.length) {
      if (isWorker) Atomics.sub(counter, 1, 1);
      return out;
    }
    const end = Math.min(start + 64, files.length);
    for (let i = start; i < end; i++) {
      let fd: number;
      try {
        fd = fsModule.openSync(files[i]!, 'r');
      } catch (error) {
        out.push([
          i,
          3,
          String((error as NodeJS.ErrnoException).code ?? error),
        ]);
        continue;
      }
      let length = 0;
      let outcome = 0;
      try {
        for (;;) {
          if (length === buffer.length) {
            if (length > maxBytes) {
              outcome = 2;
              break;
            }
            const bigger = Buffer.allocUnsafe(
              Math.min(buffer.length * 2, maxBytes + 1),
            );
            buffer.copy(bigger, 0, 0, length);
            buffer = bigger;
          }
          const n = fsModule.readSync(
            fd,
            buffer,
            length,
            buffer.length - length,
            null,
          );
          if (n === 0) break;
          length += n;
        }
        if (outcome === 0 && length > maxBytes) outcome = 2;
        if (outcome === 0 && buffer.subarray(0, length).indexOf(needle) >= 0)
          outcome = 1;
      } catch (error) {
        out.push([
          i,
          3,
          String((error as NodeJS.ErrnoException).code ?? error),
        ]);
        continue;
      } finally {
        fsModule.closeSync(fd);
      }
      if (outcome !== 0) out.push([i, outcome as 1 | 2]);
    }
  }
}

/** Worth a thread only for many files: one takes tens of milliseconds to start (bench/rewrite.mjs at 5,000 and 20,000 files). */
const PARALLEL_MIN_FILES = 10000;

/**
 * screenFiles over all `files`, on the main thread plus up to `threads - 1` workers when there are at
 * least `minFiles`. `mainThread: false` leaves all the reading to the workers (tests use it to prove the
 * worker path works).
 */
export async function screenInParallel(
  files: string[],
  maxBytes: number,
  marker: string,
  threads: number,
  {
    mainThread = true,
    minFiles = PARALLEL_MIN_FILES,
  }: { mainThread?: boolean; minFiles?: number } = {},
): Promise<ScreenResult[]> {
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const workers =
    files.length >= minFiles || !mainThread
      ? Math.max(mainThread ? 0 : 1, Math.min(threads, 4) - 1)
      : 0;
  if (workers === 0) return screenFiles(fs, files, counter, maxBytes, marker);
  const { Worker } = await import('node:worker_threads');
  const source =
    `const { parentPort, workerData: d } = require('node:worker_threads');\n` +
    `parentPort.postMessage((${screenFiles.toString()})(require('node:fs'), d.files, d.counter, d.maxBytes, d.marker, true));`;
  const threadsStarted = Array.from(
    { length: workers },
    () =>
      new Worker(source, {
        eval: true,
        workerData: { files, counter, maxBytes, marker },
      }),
  );
  const pending = threadsStarted.map(
    (worker) =>
      new Promise<ScreenResult[]>((resolve, reject) => {
        worker.once('message', (result: ScreenResult[]) => resolve(result));
        worker.once('error', reject);
        worker.once('exit', (code) =>
          reject(new Error(`file reader thread exited with code ${code}`)),
        );
      }),
  );
  const mine = mainThread
    ? screenFiles(fs, files, counter, maxBytes, marker)
    : [];
  if (mainThread && Atomics.load(counter, 1) === 0) {
    // The main thread took every file before a worker took any (a thread takes tens of milliseconds
    // to start): do not wait for them.
    for (const [i, worker] of threadsStarted.entries()) {
      pending[i]!.catch(() => undefined);
      void worker.terminate();
    }
    return mine;
  }
  const theirs = await Promise.all(pending);
  return mine.concat(...theirs);
}

export type ReadResult =
  | { kind: 'ok'; bytes: Buffer }
  | { kind: 'too-large' }
  | { kind: 'error'; message: string };

export class FileReader {
  private buffer = Buffer.allocUnsafe(64 * 1024);

  constructor(private readonly maxBytes: number) {}

  /** The file's bytes (a view of a shared buffer: valid until the next read), or why not. */
  read(path: string): ReadResult {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      return { kind: 'error', message: `cannot read it: ${errnoText(error)}` };
    }
    try {
      let length = 0;
      for (;;) {
        if (length === this.buffer.length) {
          if (length > this.maxBytes) return { kind: 'too-large' };
          const bigger = Buffer.allocUnsafe(
            Math.min(this.buffer.length * 2, this.maxBytes + 1),
          );
          this.buffer.copy(bigger, 0, 0, length);
          this.buffer = bigger;
        }
        const n = readSync(
          fd,
          this.buffer,
          length,
          this.buffer.length - length,
          null,
        );
        if (n === 0) break;
        length += n;
      }
      if (length > this.maxBytes) return { kind: 'too-large' };
      return { kind: 'ok', bytes: this.buffer.subarray(0, length) };
    } catch (error) {
      return { kind: 'error', message: `cannot read it: ${errnoText(error)}` };
    } finally {
      closeSync(fd);
    }
  }
}

export interface ReplaceOutcome {
  /** Set when the file was not replaced. */
  error?: string;
  warning?: string;
}

/**
 * Replaces `path` with `next` atomically: a temporary file in the same directory with the same mode
 * (and owner, when we may set it), flushed, then renamed over the original. A symlink is replaced at its
 * target. If the file no longer holds `expected` (edited meanwhile), it is left alone.
 */
export function replaceFile(
  path: string,
  expected: Buffer,
  next: Buffer,
  pid: number,
): ReplaceOutcome {
  let target: string;
  let current: Buffer;
  try {
    target = realpathSync(path);
    current = readFileSync(target);
  } catch (error) {
    return { error: `cannot read it again to replace it: ${errnoText(error)}` };
  }
  if (!current.equals(expected))
    return {
      error:
        'it changed while qci was working on it; nothing was written (run again)',
    };
  const st = statSync(target);
  const temp = join(
    dirname(target),
    `.${basename(target)}.qci-${pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o600);
    let written = 0;
    while (written < next.length)
      written += writeSync(fd, next, written, next.length - written);
    // After the write, so a umask or a restrictive creation mode never leaks into the result.
    fchmodSync(fd, st.mode & 0o7777);
    try {
      if (st.uid !== process.getuid?.() || st.gid !== process.getgid?.())
        fchownSync(fd, st.uid, st.gid);
    } catch {
      // Only root may give a file away; the content and mode are what matter.
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // It may not exist.
    }
    return { error: `cannot replace it: ${errnoText(error)}` };
  }
  return st.nlink > 1
    ? {
        warning: `it had ${st.nlink} hard links; the rewritten file is a new file, the other links keep the old content`,
      }
    : {};
}

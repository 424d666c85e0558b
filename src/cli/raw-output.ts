/**
 * Output written straight to a file descriptor, for both entry points (qci and docker-credential-qci):
 * setting up process.stdout costs about 3 ms of a ~35 ms start (bench/startup.mjs), and their output is
 * small.
 */
import { fstatSync, writeSync } from 'node:fs';

/**
 * Writes all of `text` to `fd`. A non-blocking pipe that is full is waited on a moment at a time; a
 * reader that went away (EPIPE) is handed to `onClosed` (default: drop the rest).
 */
export function writeAllSync(
  fd: number,
  text: string | Uint8Array,
  onClosed: () => void = () => undefined,
): void {
  let buffer =
    typeof text === 'string'
      ? Buffer.from(text)
      : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(writeSync(fd, buffer));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return onClosed();
      if (code === 'EAGAIN')
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      else throw error;
    }
  }
}

/**
 * Whether `fd` is a terminal. A pipe, a file or (on Linux) /dev/null — what scripts, CI and benchmarks
 * have — is told by fstat alone: node:tty, which loads node:net (~4 ms), is asked only about another
 * character device. Linux's memory devices (major 1: null, zero, random, …) are never terminals.
 */
export function isTerminal(fd: number): boolean {
  try {
    const stats = fstatSync(fd);
    if (!stats.isCharacterDevice()) return false;
    if (process.platform === 'linux' && ((stats.rdev >> 8) & 0xfff) === 1)
      return false;
  } catch {
    return false;
  }
  return (require('node:tty') as typeof import('node:tty')).isatty(fd);
}

/** An output stream (all qci asks of one: write, isTTY) over `fd`, written with writeAllSync. */
export function rawStream(
  fd: number,
  onClosed?: () => void,
): { write(text: string | Uint8Array): boolean; readonly isTTY: boolean } {
  return {
    write(text: string | Uint8Array): boolean {
      writeAllSync(fd, text, onClosed);
      return true;
    },
    get isTTY(): boolean {
      return isTerminal(fd);
    },
  };
}

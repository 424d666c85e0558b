/**
 * Output written straight to a file descriptor, for both entry points (qci and docker-credential-qci):
 * setting up process.stdout costs about 3 ms of a ~35 ms start (bench/startup.mjs), and their output is
 * small.
 */
import { writeSync } from 'node:fs';

/**
 * Writes all of `text` to `fd`. A non-blocking pipe that is full is waited on a moment at a time; a
 * reader that went away (EPIPE) is handed to `onClosed` (default: drop the rest).
 */
export function writeAllSync(
  fd: number,
  text: string,
  onClosed: () => void = () => undefined,
): void {
  let buffer = Buffer.from(text);
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

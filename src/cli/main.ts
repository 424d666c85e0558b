/** Entry point: the only place that sets the process exit code. */
import { writeSync } from 'node:fs';
import { runQci } from './program.js';

// No SIGINT handler here: Ctrl-C's default (death by SIGINT, which shells report as 130) is right for
// commands that run nothing; commands that run a child process handle it themselves.

/**
 * Standard output written straight to fd 1. Setting up process.stdout costs about 3 ms of a ~35 ms start
 * (bench/startup.mjs), and qci's output is small; a reader that goes away (`qci … | head`) ends qci
 * quietly with 141, as SIGPIPE ends cat and grep (so `set -o pipefail` scripts still see it).
 */
const stdout = {
  write(text: string): boolean {
    let buffer = Buffer.from(text);
    while (buffer.length > 0) {
      try {
        buffer = buffer.subarray(writeSync(1, buffer));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') process.exit(141);
        // A non-blocking pipe that is full: wait a moment and go on.
        if (code === 'EAGAIN')
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        else throw error;
      }
    }
    return true;
  },
  get isTTY(): boolean {
    return (require('node:tty') as typeof import('node:tty')).isatty(1);
  },
};

// Not top-level await: the bundle is CommonJS for start-up speed (bin/build.mjs says why).
void main();

async function main(): Promise<void> {
  // Getters: touching process.stdin or process.stderr sets up a stream, which light commands may never need.
  const code = await runQci(process.argv.slice(2), {
    stdout,
    get stderr() {
      return process.stderr;
    },
    get stdin() {
      return process.stdin;
    },
    env: process.env,
  });
  process.exitCode = code;
}

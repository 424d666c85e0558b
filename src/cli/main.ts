/** Entry point: the only place that sets the process exit code. */
import { fstatSync } from 'node:fs';
import { runQci } from './program.js';
import { writeAllSync } from './raw-output.js';

// No SIGINT handler here: Ctrl-C's default (death by SIGINT, which shells report as 130) is right for
// commands that run nothing; commands that run a child process handle it themselves.

/**
 * Standard output written straight to fd 1 (raw-output.ts says why); a reader that goes away
 * (`qci … | head`) ends qci quietly with 141, as SIGPIPE ends cat and grep (so `set -o pipefail`
 * scripts still see it).
 */
const stdout = {
  write(text: string): boolean {
    writeAllSync(1, text, () => process.exit(141));
    return true;
  },
  get isTTY(): boolean {
    return isTerminal(1);
  },
};

/**
 * Whether `fd` is a terminal. A pipe, a file or (on Linux) /dev/null — what scripts, CI and benchmarks
 * have — is told by fstat alone: node:tty, which loads node:net (~4 ms), is asked only about another
 * character device. Linux's memory devices (major 1: null, zero, random, …) are never terminals.
 */
function isTerminal(fd: number): boolean {
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

/** Standard error, written the same way (only writes and isTTY are asked of it); a closed one is dropped. */
const stderr = {
  write(text: string): boolean {
    writeAllSync(2, text);
    return true;
  },
  get isTTY(): boolean {
    return isTerminal(2);
  },
};

// Not top-level await: the bundle is CommonJS for start-up speed (bin/build.mjs says why).
void main();

async function main(): Promise<void> {
  // A getter: touching process.stdin sets up a stream, which most commands never need.
  const code = await runQci(process.argv.slice(2), {
    stdout,
    stderr,
    get stdin() {
      return process.stdin;
    },
    env: process.env,
  });
  process.exitCode = code;
}

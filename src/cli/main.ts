/** Entry point: the only place that sets the process exit code. */
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

/** Entry point: the only place that sets the process exit code. */
import { runQci } from './program.js';
import { rawStream } from './raw-output.js';

// No SIGINT handler here: Ctrl-C's default (death by SIGINT, which shells report as 130) is right for
// commands that run nothing; commands that run a child process handle it themselves.

/**
 * Standard output and error written straight to fds 1 and 2 (raw-output.ts says why); a reader of
 * stdout that goes away (`qci … | head`) ends qci quietly with 141, as SIGPIPE ends cat and grep (so
 * `set -o pipefail` scripts still see it); a closed stderr is dropped.
 */
const stdout = rawStream(1, () => process.exit(141));
const stderr = rawStream(2);

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
  // Everything qci writes has been written (synchronously, to fds 1 and 2, an engine's output included)
  // and every command awaits what it started: end now rather than after Node tears its heap down.
  process.exit(code);
}

/** Entry point: the only place that sets the process exit code. */
import { runQci } from './program.js';

// No SIGINT handler here: Ctrl-C's default (death by SIGINT, which shells report as 130) is right for
// commands that run nothing; commands that run a child process handle it themselves.

// Not top-level await: the bundle is CommonJS for start-up speed (bin/build.mjs says why).
void main();

// `qci … | head`: a reader that goes away is not an error; stop quietly, as cat and grep do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

async function main(): Promise<void> {
  // Getters: touching process.stdin or process.stderr sets up a stream, which light commands may never need.
  const code = await runQci(process.argv.slice(2), {
    stdout: process.stdout,
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

/** Entry point: the only place that sets the process exit code. */
import { runQci } from './program.js';

let interrupted = false;
process.on('SIGINT', () => {
  // Commands that run a child process handle Ctrl-C themselves; here we only make sure the code is 130.
  if (interrupted) process.exit(130);
  interrupted = true;
  process.exitCode = 130;
});

// Not top-level await: the bundle is CommonJS for start-up speed (bin/build.mjs says why).
void main();

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
  process.exitCode = interrupted ? 130 : code;
}

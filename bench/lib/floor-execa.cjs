'use strict';
// The floor with the runner's library (bench/network.mjs): floor.cjs, but podman started through execa as
// qci's runner starts a pull (src/engine/run.ts, 'show': stderr piped and passed on, a timeout, cleanup
// on exit, an abort signal), from qci's own execa bundle and its V8 code cache (bin/dist/execa.cjs).
// What a Node.js program in front of podman costs before any of qci's own code runs.
// Usage: node bench/lib/floor-execa.cjs pull [podman pull's arguments]   (build first)
require('../../bin/code-cache.js').install();
const { readFileSync } = require('node:fs');
const { env } = process;
for (const file of [
  `${env.XDG_RUNTIME_DIR}/containers/auth.json`,
  `${env.HOME}/.config/containers/auth.json`,
  `${env.HOME}/.docker/config.json`,
]) {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // absent or unreadable: podman would not send it either
  }
}
const { execa } = require('../../bin/dist/execa.cjs');
const child = execa('podman', process.argv.slice(2), {
  env,
  extendEnv: false,
  stdin: 'ignore',
  stdout: 'inherit',
  stderr: 'pipe',
  reject: false,
  cleanup: true,
  stripFinalNewline: false,
  timeout: 60 * 60_000,
  signal: new AbortController().signal,
});
child.stderr.on('data', (chunk) => process.stderr.write(chunk));
child.then((result) => process.exit(result.exitCode ?? 1));

'use strict';
// The floor for any Node.js program in front of `podman pull` (bench/network.mjs): read the auth files
// podman reads, start podman with its stderr piped and passed on, exit with its code. No argument
// parsing, settings, checks or library: what Node itself costs (its start, child_process, the spawn).
// Usage: node bench/lib/floor.cjs pull [podman pull's arguments]
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
const { spawn } = require('node:child_process');
const child = spawn('podman', process.argv.slice(2), {
  stdio: ['inherit', 'inherit', 'pipe'],
});
child.stderr.on('data', (chunk) => process.stderr.write(chunk));
child.on('exit', (code) => process.exit(code ?? 1));

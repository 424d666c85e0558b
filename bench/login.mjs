#!/usr/bin/env node
// `qci login` against the local test bed compared with the bare `podman login --password-stdin` it
// wraps, interleaved in one run: prints both medians, the difference and the ratio (goal: qci adds
// under 300 ms). Needs podman, docker-registry, skopeo and openssl (as the end-to-end tests do).
// Usage: node bench/login.mjs [runs]   (build first: npm run build)
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const runs = Number(process.argv[2] ?? 15);
const root = fileURLToPath(new URL('..', import.meta.url));
const qci = join(root, 'bin', 'qci');

// The test bed is TypeScript; bundle it for this script.
// Inside node_modules so the bundle resolves packages from the project.
const out = join(root, 'node_modules', '.cache', 'qci-bench');
await build({
  entryPoints: [join(root, 'test/e2e/testbed/index.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: join(out, 'testbed.mjs'),
  packages: 'external',
  logLevel: 'error',
  absWorkingDir: root,
});
const { startTestBed } = await import(pathToFileURL(join(out, 'testbed.mjs')).href);

const bed = await startTestBed();
const kubeconfig = await bed.appci.kubeconfig({ token: bed.token });
const env = { ...bed.podman.env, KUBECONFIG: kubeconfig, QCI_REGISTRY: bed.proxy.host };

// Asynchronous: the test bed's proxy and fake app.ci answer from this very process.
function time(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(input ?? '');
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${stderr}`));
      else resolve(ms);
    });
  });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const subjects = {
  'podman login --password-stdin': () => time('podman', ['login', '--password-stdin', '--username', bed.user, bed.proxy.host], bed.token),
  'qci login': () => time(process.execPath, [qci, 'login']),
};
const samples = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
try {
  for (const run of Object.values(subjects)) await run(); // warm caches
  for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(subjects)) samples[name].push(await run());
} finally {
  await bed.stop();
  rmSync(out, { recursive: true, force: true });
}

for (const [name, xs] of Object.entries(samples)) {
  console.log(`${name.padEnd(30)} median ${median(xs).toFixed(1).padStart(7)} ms  (min ${Math.min(...xs).toFixed(1)}, ${xs.length} runs)`);
}
const [bare, ours] = Object.keys(subjects).map((k) => median(samples[k]));
console.log(`qci adds ${(ours - bare).toFixed(0)} ms; ratio ${(ours / bare).toFixed(2)}  (goal: adds under 300 ms: ${ours - bare < 300 ? 'met' : 'NOT met'})`);

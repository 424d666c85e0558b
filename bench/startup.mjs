#!/usr/bin/env node
// Start-up benchmark: `qci pullspec ocp/4.7:my-component` against `node -e 0`, interleaved in one run
// so both see the same machine load. Prints both medians and their ratio (goal: at most 1.5).
// Usage: node bench/startup.mjs [runs]   (build first: npm run build)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 40);
const qci = fileURLToPath(new URL('../bin/qci', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'qci-bench-'));
const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };

const subjects = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'qci pullspec ocp/4.7:my-component': [process.execPath, [qci, 'pullspec', 'ocp/4.7:my-component']],
};

function time([cmd, args]) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const samples = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
for (const subject of Object.values(subjects)) time(subject); // warm the file cache
for (let i = 0; i < runs; i++) {
  for (const [name, subject] of Object.entries(subjects)) samples[name].push(time(subject));
}

const [base, ours] = Object.keys(subjects).map((k) => median(samples[k]));
for (const [name, xs] of Object.entries(samples)) {
  console.log(`${name.padEnd(36)} median ${median(xs).toFixed(1).padStart(6)} ms  (min ${Math.min(...xs).toFixed(1)}, ${xs.length} runs)`);
}
const ratio = ours / base;
console.log(`ratio qci / node: ${ratio.toFixed(2)}  (goal: at most 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'})`);

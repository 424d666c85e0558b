#!/usr/bin/env node
// Start-up benchmark: `qci pullspec ocp/4.7:my-component` against `node -e 0`, interleaved in one run
// so both see the same machine load. Prints both medians and their ratio (goal: at most 1.5).
// Usage: node bench/startup.mjs [runs]   (build first: npm run build)
import { fileURLToPath } from 'node:url';
import { interleaveSync } from './lib/stats.mjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 40);
const qci = fileURLToPath(new URL('../bin/qci', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'qci-bench-'));
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
};

const subjects = {
  'node -e 0': { cmd: [process.execPath, ['-e', '0']] },
  'qci pullspec ocp/4.7:my-component': {
    cmd: [process.execPath, [qci, 'pullspec', 'ocp/4.7:my-component']],
  },
};

const medians = interleaveSync(subjects, runs, env);
const ratio =
  medians['qci pullspec ocp/4.7:my-component'] / medians['node -e 0'];
console.log(
  `ratio qci / node: ${ratio.toFixed(2)}  (goal: at most 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'})`,
);

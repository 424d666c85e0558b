#!/usr/bin/env node
// Start-up benchmark: `qci pullspec ocp/4.7:my-component` through bin/qci (the bundle) and, when
// `npm run sea` has built it, through the single executable bin/sea/qci, against `node -e 0`,
// interleaved in one run so all see the same machine load. Prints the medians and each ratio
// (goal: at most 1.2).
// Usage: node bench/startup.mjs [runs]   (build first: npm run build, and npm run sea for the SEA)
import { fileURLToPath } from 'node:url';
import { interleaveSync } from './lib/stats.mjs';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GOAL = 1.2;
const runs = Number(process.argv[2] ?? 40);
const qci = fileURLToPath(new URL('../bin/qci', import.meta.url));
const sea = fileURLToPath(new URL('../bin/sea/qci', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'qci-bench-'));
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
};
const args = ['pullspec', 'ocp/4.7:my-component'];

const subjects = {
  'node -e 0': { cmd: [process.execPath, ['-e', '0']] },
  'bin/qci pullspec …': { cmd: [process.execPath, [qci, ...args]] },
};
if (existsSync(sea))
  subjects['bin/sea/qci pullspec … (SEA)'] = { cmd: [sea, args] };
else
  console.log('bin/sea/qci not built (npm run sea): measuring the bundle only');

const medians = interleaveSync(subjects, runs, env);
for (const name of Object.keys(subjects).slice(1)) {
  const ratio = medians[name] / medians['node -e 0'];
  console.log(
    `ratio ${name.split(' ')[0]} / node: ${ratio.toFixed(2)}  (goal: at most ${GOAL}: ${ratio <= GOAL ? 'met' : 'NOT met'})`,
  );
}

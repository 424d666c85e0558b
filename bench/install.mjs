#!/usr/bin/env node
// Install benchmark: `npm install -g --offline ./qci-<version>.tgz` with an empty npm cache and a fresh
// prefix, against the same install of a package holding only a package.json and one bin (npm's own
// floor), interleaved in one run. Prints both medians, their ratio and qci's unpacked size.
// Usage: node bench/install.mjs [runs]   (build first: npm run build)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleaveSync } from './lib/stats.mjs';

const runs = Number(process.argv[2] ?? 5);
const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'qci-bench-install-'));

const packed = JSON.parse(
  execFileSync(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
    { cwd: root, encoding: 'utf8' },
  ),
)[0];

// The floor: a package with nothing to unpack but a bin.
const floorDir = join(work, 'floor');
mkdirSync(join(floorDir, 'bin'), { recursive: true });
writeFileSync(
  join(floorDir, 'package.json'),
  JSON.stringify({ name: 'floor', version: '1.0.0', bin: { floor: 'bin/f' } }),
);
writeFileSync(join(floorDir, 'bin', 'f'), '#!/usr/bin/env node\n');
const floor = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: floorDir,
    encoding: 'utf8',
  }),
)[0];

/** A fresh prefix and an empty cache on every run. */
const install = (name, tarball) => {
  const prefix = join(work, `${name}-prefix`);
  const cache = join(work, `${name}-cache`);
  return {
    cmd: [
      'sh',
      [
        '-c',
        `rm -rf "${prefix}" "${cache}" && npm install -g --offline --no-audit --no-fund --prefix "${prefix}" --cache "${cache}" "${tarball}"`,
      ],
    ],
  };
};

const subjects = {
  'npm install -g (bin-only package)': install(
    'floor',
    join(work, floor.filename),
  ),
  [`npm install -g ${packed.filename}`]: install(
    'qci',
    join(work, packed.filename),
  ),
};
const medians = interleaveSync(subjects, runs, {
  ...process.env,
  npm_config_update_notifier: 'false',
});
const [base, qci] = Object.values(medians);
console.log(
  `ratio qci / bin-only package: ${(qci / base).toFixed(2)}; tarball ${(packed.size / 1e6).toFixed(2)} MB, unpacked ${(packed.unpackedSize / 1e6).toFixed(2)} MB (goal: under 6 MB), ${packed.entryCount} files`,
);
rmSync(work, { recursive: true, force: true });

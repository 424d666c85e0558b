#!/usr/bin/env node
// `npm run sea`: Node single executables of qci and docker-credential-qci for this platform, in bin/sea/
// (git-ignored). Each is a copy of this node binary with a blob injected by postject: bin/sea-main.js
// (the SEA's main script, with a V8 code cache) and, as SEA assets, the bundles of bin/dist with the code
// caches bin/build.mjs made for them, which bin/sea-main.js loads as they are required. Run
// bin/build.mjs first (npm run sea does).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'bin', 'dist');
const out = join(root, 'bin', 'sea');
const work = join(out, 'build');

/** The executables: their entry bundle and the bundles it may require. */
const executables = {
  qci: {
    entry: 'qci',
    bundles: [
      'qci',
      'qci-impl',
      'qci-joblog',
      'kube',
      'kube-sa',
      'execa',
      'yaml',
      'js-yaml',
    ],
  },
  'docker-credential-qci': {
    entry: 'credential-helper',
    bundles: ['credential-helper', 'yaml', 'js-yaml'],
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

for (const [name, { entry, bundles }] of Object.entries(executables)) {
  const main = join(root, 'bin', 'sea-main.js');
  const entryFile = join(work, `${name}.entry`);
  const blob = join(work, `${name}.blob`);
  const config = join(work, `${name}-sea.json`);
  writeFileSync(entryFile, `${entry}.cjs`);
  const assets = { entry: entryFile };
  for (const b of bundles)
    for (const ext of ['cjs', 'v8cache'])
      assets[`${b}.${ext}`] = join(dist, `${b}.${ext}`);
  writeFileSync(
    config,
    JSON.stringify({
      main,
      output: blob,
      useCodeCache: true,
      disableExperimentalSEAWarning: true,
      assets,
    }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', config], {
    stdio: 'pipe',
  });
  const binary = join(out, name);
  copyFileSync(process.execPath, binary);
  chmodSync(binary, 0o755);
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', 'postject', 'dist', 'cli.js'),
      binary,
      'NODE_SEA_BLOB',
      blob,
      '--sentinel-fuse',
      'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
    ],
    // postject warns about ELF note sections it does not touch: show its output only on failure.
    { stdio: 'pipe' },
  );
  console.error(`built ${binary}`);
}
rmSync(work, { recursive: true, force: true });
// What went in, so a test can tell SEAs built from other sources (bin/dist is built deterministically).
const sums = Object.fromEntries(
  readdirSync(dist)
    .filter((file) => file.endsWith('.cjs'))
    .sort()
    .map((file) => [
      file,
      createHash('sha256')
        .update(readFileSync(join(dist, file)))
        .digest('hex'),
    ]),
);
writeFileSync(join(out, 'bundles.json'), `${JSON.stringify(sums, null, 2)}\n`);

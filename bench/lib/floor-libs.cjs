'use strict';
// Runs the floor with the design's libraries (floor-libs-main.mjs), bundled by bench/network.mjs into
// BUNDLE, compiled with a V8 code cache beside it as qci's bundles are (the first run writes it), and
// execa from qci's own bundle and cache (bin/dist/execa.cjs).
// Usage: node bench/lib/floor-libs.cjs BUNDLE pull [--platform P] SPEC   (build first)
require('../../bin/code-cache.js').install();
const { readFileSync, writeFileSync } = require('node:fs');
const { wrap } = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

const [bundle, ...args] = process.argv.slice(2);
const cacheFile = bundle.replace(/\.cjs$/, '.v8cache');
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  process.once('exit', () =>
    writeFileSync(cacheFile, script.createCachedData()),
  );
}
const script = new vm.Script(wrap(readFileSync(bundle, 'utf8')), {
  filename: bundle,
  cachedData,
});
const floor = { exports: {} };
script
  .runInThisContext()
  .call(floor.exports, floor.exports, require, floor, bundle, dirname(bundle));
floor.exports.main({
  argv: [process.argv[0], 'floor-libs', ...args],
  env: process.env,
  readFileSync,
  execa: require('../../bin/dist/execa.cjs').execa,
});

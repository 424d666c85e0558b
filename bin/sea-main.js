'use strict';
// Main script of the single executables that bin/sea.mjs builds. In a SEA `require` reaches only Node
// built-ins, so a bundle's `require('./x.cjs')` is answered here from the SEA asset x.cjs, compiled
// with x.v8cache (made by the same node binary at build time; V8 ignores a cache that does not fit).
// A bundle is compiled when first required: kube, execa and yaml still cost nothing until needed.
const { getAsset } = require('node:sea');
const { Script } = require('node:vm');
const { wrap } = require('node:module');
const { dirname, join } = require('node:path');

const dir = dirname(process.execPath);
const loaded = new Map();

function load(name) {
  const known = loaded.get(name);
  if (known) return known.exports;
  const filename = join(dir, name);
  const script = new Script(wrap(getAsset(name, 'utf8')), {
    filename,
    cachedData: Buffer.from(getAsset(name.replace(/\.cjs$/, '.v8cache'))),
  });
  // For tests and the build: did V8 take the cache?
  if (process.env.QCI_SEA_REPORT_CACHE === '1')
    process.stderr.write(
      `${name}: code cache ${script.cachedDataRejected ? 'rejected' : 'used'}\n`,
    );
  const module = { exports: {}, filename, loaded: false };
  loaded.set(name, module);
  script
    .runInThisContext()
    .call(module.exports, module.exports, bundleRequire, module, filename, dir);
  module.loaded = true;
  return module.exports;
}

function bundleRequire(id) {
  return id.startsWith('./') ? load(id.slice(2)) : require(id);
}

load(getAsset('entry', 'utf8'));

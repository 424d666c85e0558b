'use strict';
// V8 code cache for qci's bundles (bin/dist/*.cjs): on Node 20 each is compiled with the cache that
// bin/build.mjs made beside it (<name>.v8cache), which takes a third to a half off its load time. Node
// 22.1+ has module.enableCompileCache(), which does the same with a cache of its own: there, that is
// used instead. A cache from another Node version or another build is rejected by V8, and the bundle
// compiles as usual.
const { readFileSync, writeFileSync } = require('node:fs');
const { dirname, join, sep } = require('node:path');
const vm = require('node:vm');

const dist = join(__dirname, 'dist') + sep;

/** Returns which cache is on: 'node' (Node's own) or 'bundled' (this hook). `Module` is for tests. */
exports.install = function install(Module = require('node:module')) {
  // Build time only: write each bundle's cache after a representative run, so what ran is in it
  // (the caches ship in the package, for Node 20, whatever Node built it).
  const writeCache = process.env.QCI_WRITE_CODE_CACHE === '1';
  if (!writeCache && typeof Module.enableCompileCache === 'function') {
    Module.enableCompileCache();
    return 'node';
  }
  const compile = Module.prototype._compile;
  Module.prototype._compile = function compileWithCache(content, filename) {
    if (!filename.startsWith(dist) || !filename.endsWith('.cjs'))
      return compile.call(this, content, filename);
    const cacheFile = filename.replace(/\.cjs$/, '.v8cache');
    let cachedData;
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData,
    });
    if (writeCache)
      process.once('exit', () =>
        writeFileSync(cacheFile, script.createCachedData()),
      );
    const wrapper = script.runInThisContext();
    return wrapper.call(
      this.exports,
      this.exports,
      Module.createRequire(filename),
      this,
      filename,
      dirname(filename),
    );
  };
  return 'bundled';
};

#!/usr/bin/env node
// Bundles src/ into bin/dist/qci.cjs with esbuild so `qci` starts fast (bench/startup.mjs measures it).
// Why CommonJS: Node 20 loads one CommonJS file without starting the ESM loader, which alone costs
// several milliseconds. Heavy or rarely used packages (@kubernetes/client-node, yaml) stay outside the
// bundle and load through import() only in the commands that need them.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** Keeps Node built-ins that qci's light commands never use from loading at start-up. */
const lazyStartup = {
  name: 'qci-lazy-startup',
  setup(b) {
    // chalk's colour detection loads node:tty and node:os; qci always passes an explicit level
    // (src/cli/ui.ts honours NO_COLOR, which chalk does not), so take chalk's no-op detector.
    b.onResolve({ filter: /^#supports-color$/ }, (args) => ({
      path: join(dirname(args.importer), 'vendor', 'supports-color', 'browser.js'),
    }));
    // commander needs child_process only for executable subcommands, which qci does not use.
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${'/'}commander${'/'}`) ? { path: 'lazy-child-process', namespace: 'qci-lazy' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'qci-lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

rmSync(new URL('dist', import.meta.url), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { qci: 'src/cli/main.ts' },
  outdir: 'bin/dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['@kubernetes/client-node', 'yaml', 'execa'],
  // import() of those (and execa, statically imported only by lazily loaded modules) becomes a lazy require(): V8 drops the dynamic-import callback of functions
  // restored from a code cache, and Node >= 20.19 can require() ES modules such as the kube client.
  supported: { 'dynamic-import': false },
  define: { QCI_VERSION: JSON.stringify(pkg.version) },
  plugins: [lazyStartup],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// A V8 code cache for bin/qci, made by one representative run in a throwaway HOME.
const home = mkdtempSync(join(tmpdir(), 'qci-build-'));
const run = spawnSync(process.execPath, [fileURLToPath(new URL('qci', import.meta.url)), 'pullspec', 'ocp/4.7:my-component'], {
  env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), QCI_WRITE_CODE_CACHE: '1' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
rmSync(home, { recursive: true, force: true });
if (run.status !== 0) {
  console.error('qci build: the bundle does not run (see above)');
  process.exit(1);
}

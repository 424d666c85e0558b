#!/usr/bin/env node
// Bundles src/ into bin/dist/ with esbuild so `qci` starts fast: one file for the light commands,
// and @kubernetes/client-node left to a lazy import that only the commands needing app.ci pay for.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('dist', import.meta.url), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { qci: 'src/cli/main.ts' },
  outdir: 'bin/dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The kube client is heavy (~400 ms to import); it stays in node_modules and loads only when used.
  external: ['@kubernetes/client-node'],
  define: { QCI_VERSION: JSON.stringify(pkg.version) },
  // CommonJS packages (commander) inside an ESM bundle need a real `require`.
  banner: { js: "import { createRequire as __qciCreateRequire } from 'node:module'; const require = __qciCreateRequire(import.meta.url);" },
  legalComments: 'none',
  minify: true,
  logLevel: 'warning',
});

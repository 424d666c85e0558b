/** The layer and shape rules of qci, written out here and checked on the source (as crane's depcheck_test.go does). */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory()
      ? files(path)
      : path.endsWith('.ts')
        ? [path]
        : [];
  });
}

function imports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    ),
  ].map((m) => (m[1] ?? m[2])!);
}

/** What session may import; doctor and cli build on it. */
const SESSION = ['core', 'io', 'auth', 'kube', 'engine', 'registry', 'session'];
// Which top-level folders under src/ each layer may import (the layer rules of this file).
const allowed: Record<string, string[]> = {
  core: ['core'],
  // the one safe file read (regular files only, capped): every layer that reads files uses it.
  io: ['core', 'io'],
  auth: ['core', 'io', 'auth'],
  kube: ['core', 'io', 'kube'],
  engine: ['core', 'engine'],
  registry: ['core', 'io', 'auth', 'registry'],
  // login, logout, status and pull as the engines see them: shared by the commands and doctor.
  session: SESSION,
  doctor: [...SESSION, 'doctor'],
  // trees of files: walking (.gitignore through git), screening, atomic replace; qci promoted and rewrite.
  files: ['core', 'io', 'engine', 'files'],
  // job logs: reading files, stdin and URLs (node:https, node:zlib) for qci job-image.
  joblog: ['core', 'io', 'joblog'],
  cli: [...SESSION, 'doctor', 'joblog', 'files', 'cli'],
};

// Packages (not src/ folders) a layer may import, where that is limited: core is pure (validation
// only); auth reads and writes files but never runs a process.
const packages: Record<string, RegExp> = {
  core: /^zod(\/mini)?$/,
  auth: /^(?:zod\/mini|node:(?:buffer|crypto|fs|fs\/promises|os|path|util))$/,
};
// What a layer's text may not hold, whatever it imports.
const forbidden: Record<string, RegExp> = {
  core: /\bprocess\.|\bfetch\(/,
  auth: /child_process|execa|\bspawn\(|process\.env/,
};

describe('layers', () => {
  for (const file of files(src)) {
    const rel = relative(src, file);
    const layer = rel.split('/')[0]!;
    it(`${rel} imports only what its layer may`, () => {
      expect(Object.keys(allowed), `unknown layer ${layer}`).toContain(layer);
      for (const spec of imports(file)) {
        if (spec.startsWith('.')) {
          const target = relative(src, join(file, '..', spec)).split('/')[0]!;
          expect(allowed[layer], `${rel} imports ${spec}`).toContain(target);
        } else if (packages[layer]) {
          expect(spec, `${rel} imports ${spec}`).toMatch(packages[layer]);
        }
      }
      if (forbidden[layer])
        expect(readFileSync(file, 'utf8')).not.toMatch(forbidden[layer]);
    });
  }
});

describe('import cycles', () => {
  it('no module imports itself through others (type imports count: one hop per behaviour)', () => {
    const graph = new Map<string, string[]>();
    for (const file of files(src))
      graph.set(
        file,
        imports(file)
          .filter((spec) => spec.startsWith('.'))
          .map((spec) => join(file, '..', spec.replace(/\.js$/, '.ts'))),
      );
    const done = new Set<string>();
    const path: string[] = [];
    const cycles: string[] = [];
    const visit = (file: string) => {
      const at = path.indexOf(file);
      if (at !== -1) {
        cycles.push(
          [...path.slice(at), file].map((f) => relative(src, f)).join(' -> '),
        );
        return;
      }
      if (done.has(file)) return;
      path.push(file);
      for (const dep of graph.get(file) ?? []) visit(dep);
      path.pop();
      done.add(file);
    };
    for (const file of graph.keys()) visit(file);
    expect(cycles).toEqual([]);
  });
});

describe('start-up', () => {
  it('the kube client, execa, yaml and js-yaml are never loaded by the main bundle, only by a dynamic import', async () => {
    const result = await build({
      absWorkingDir: root,
      entryPoints: ['src/cli/main.ts'],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      write: false,
      outdir: '/tmp/qci-structure-test',
      metafile: true,
      // External, so a static import of one of them shows up as exactly that in the start-up graph.
      external: ['@kubernetes/client-node', 'yaml', 'js-yaml', 'execa'],
      define: { QCI_VERSION: '"test"' },
      logLevel: 'silent',
    });
    const main = Object.entries(result.metafile.outputs).find(
      ([, o]) => o.entryPoint === 'src/cli/main.ts',
    )![1];
    // Every chunk the entry loads statically, transitively.
    const outputs = result.metafile.outputs;
    const seen = new Set<string>();
    const walk = (
      imps: { path: string; kind: string; external?: boolean }[],
    ) => {
      for (const imp of imps) {
        if (imp.kind !== 'import-statement') continue;
        expect(imp.path, 'statically imported at start-up').not.toMatch(
          /@kubernetes\/client-node|^yaml|^js-yaml|^execa/,
        );
        if (!imp.external && !seen.has(imp.path)) {
          seen.add(imp.path);
          walk(outputs[imp.path]?.imports ?? []);
        }
      }
    };
    walk(main.imports);
  });

  it('no module imports node:fs/promises statically: `promises` from node:fs loads it at the first call, not with the module', () => {
    // Loading it (fs/promises, its directory, watcher and readline modules) takes Node ~1 ms after
    // child_process, and a pull of a present image calls none of it.
    for (const file of files(src))
      expect(readFileSync(file, 'utf8'), relative(root, file)).not.toMatch(
        /^import [^;]*from 'node:fs\/promises'/m,
      );
  });
});

describe('top level', () => {
  it('holds exactly the files the design card lists', () => {
    const tracked = readdirSync(root).filter(
      (n) => !['node_modules', '.git'].includes(n),
    );
    const allowedTop = [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'src',
      'test',
      'bin',
      'README.md',
      'vitest.config.ts',
      'biome.json',
      '.ci',
      'bench',
      '.gitignore',
    ];
    for (const name of tracked)
      expect(allowedTop, `unexpected top-level entry ${name}`).toContain(name);
  });
});

describe('end-to-end tests', () => {
  it('start the test bed only through the shared fixture useTestBed() (testbed.test.ts tests the bed itself)', () => {
    const e2e = join(root, 'test', 'e2e');
    const own = readdirSync(e2e).filter(
      (name) =>
        name.endsWith('.test.ts') &&
        name !== 'testbed.test.ts' &&
        /\bstartTestBed\s*\(/.test(readFileSync(join(e2e, name), 'utf8')),
    );
    expect(own).toEqual([]);
  });
});

describe('size', () => {
  // Functions stay short enough to read at once and files short enough to hold in mind; the
  // shell-completion scripts (src/cli/completion.ts) are text, not logic, and are left out.
  const textScripts = new Set(['cli/completion.ts']);
  for (const file of files(src)) {
    const rel = relative(src, file);
    if (textScripts.has(rel)) continue;
    it(`${rel}: at most 600 lines, no function over 120`, () => {
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n').length, rel).toBeLessThanOrEqual(600);
      const source = ts.createSourceFile(
        rel,
        text,
        ts.ScriptTarget.Latest,
        true,
      );
      const long: string[] = [];
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const line = (pos: number) =>
            source.getLineAndCharacterOfPosition(pos).line;
          const lines = line(node.end) - line(node.getStart()) + 1;
          if (lines > 120)
            long.push(`${rel}:${line(node.getStart()) + 1} (${lines} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
      expect(long).toEqual([]);
    });
  }
});

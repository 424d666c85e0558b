#!/usr/bin/env node
// Bundles src/ into bin/dist/qci.cjs with esbuild so `qci` starts fast (bench/startup.mjs measures it).
// Why CommonJS: Node 20 loads one CommonJS file without starting the ESM loader, which alone costs
// several milliseconds. Heavy or rarely used packages (@kubernetes/client-node, execa, yaml) are bundles
// of their own, required only by the commands that need them; bin/code-cache.js gives each a V8 code cache.
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

// `npm install -g .` in a fresh checkout runs this before the dependencies exist: say so, not a stack
// trace (and load build-rewrites.mjs only after this check: a test runs this file alone).
let build;
try {
  ({ build } = await import('esbuild'));
} catch {
  process.stderr.write(
    'qci: cannot build yet: its build tools (esbuild) are not installed.\n' +
      'Run `npm install` in the qci checkout first, then `npm install -g .`\n',
  );
  process.exit(1);
}
const { exactRewrite, RewriteMismatch } = await import('./build-rewrites.mjs');

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
);

/**
 * The packages that are bundles of their own (bin/dist/NAME.cjs), each from the entry given, loaded by
 * require() when a command needs them. js-yaml reads kubeconfigs (one pass, as the kube client does);
 * yaml's document model edits them and reads qci's config file and ci-operator configs, where comments
 * and line numbers matter.
 */
const LIBRARIES = {
  execa: "export * from 'execa';",
  yaml: "export * from 'yaml';",
  'js-yaml': "export { load, CORE_SCHEMA } from 'js-yaml';",
};

/** Keeps Node built-ins that qci's light commands never use from loading at start-up. */
const lazyStartup = {
  name: 'qci-lazy-startup',
  setup(b) {
    // chalk's colour detection loads node:tty and node:os; qci always passes an explicit level
    // (src/cli/ui.ts honours NO_COLOR, which chalk does not), so take chalk's no-op detector.
    b.onResolve({ filter: /^#supports-color$/ }, (args) => ({
      path: join(
        dirname(args.importer),
        'vendor',
        'supports-color',
        'browser.js',
      ),
    }));
    // commander needs child_process only for executable subcommands, which qci does not use.
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${'/'}commander${'/'}`)
        ? { path: 'lazy-child-process', namespace: 'qci-lazy' }
        : undefined,
    );
    // The LIBRARIES are bundles of their own (below).
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      Object.hasOwn(LIBRARIES, args.path)
        ? { path: `./${args.path}.cjs`, external: true }
        : undefined,
    );
    // The kube client is a bundle of its own (below), loaded by require() when a command needs app.ci;
    // kube-sa.cjs (the client with CoreV1Api) only by `qci sa`'s token requests.
    b.onResolve({ filter: /\/client-node(-sa)?\.js$/ }, (args) =>
      args.importer.endsWith(join('src', 'kube', 'appci.ts'))
        ? {
            path: args.path.endsWith('-sa.js') ? './kube-sa.cjs' : './kube.cjs',
            external: true,
          }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'qci-lazy' }, () => ({
      contents:
        "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

// `npm pack` and `npm publish` run prepack (this build) and then prepare: build once.
const npmCommand = process.env.npm_command;
if (
  process.env.npm_lifecycle_event === 'prepare' &&
  (npmCommand === 'pack' || npmCommand === 'publish')
)
  process.exit(0);

rmSync(new URL('dist', import.meta.url), { recursive: true, force: true });
rmSync(new URL('../test/demo/dist', import.meta.url), {
  recursive: true,
  force: true,
});

/** Every bundle: one minified CommonJS file for Node 20. */
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};
/** The entry points qci ships (bin/qci, bin/docker-credential-qci): qci's own code. */
const entry = (name, file) => ({
  ...common,
  entryPoints: { [name]: file },
  outdir: 'bin/dist',
  outExtension: { '.js': '.cjs' },
  // import() of the bundles below becomes a lazy require(): V8 drops the dynamic-import callback of
  // functions restored from a code cache.
  supported: { 'dynamic-import': false },
  define: { QCI_VERSION: JSON.stringify(pkg.version) },
  plugins: [lazyStartup],
});

/**
 * Lazily loaded modules that get a bundle of their own instead of qci-impl.cjs: `qci job-image` reads a
 * log with these alone, and qci-impl.cjs (~230 KB, ~9 ms to load) is more than it needs. The build fails
 * if a module would be reached from two bundles (it would exist twice).
 */
const LAZY_BUNDLES = {
  'qci-joblog': ['src/joblog/find.ts', 'src/core/joblog-image.ts'],
};
/**
 * Small modules that several lazy bundles use and start-up does not: kept in qci.cjs (shared), since a
 * module may exist in one bundle only.
 */
const IN_STARTUP = [
  'src/core/loopback.ts',
  'src/io/http.ts',
  'src/core/duration.ts',
  'src/core/clusters.ts',
];

/**
 * qci in two bundles (and LAZY_BUNDLES), so start-up reads and compiles only what every command needs.
 * qci.cjs holds the modules the entry reaches by static imports (the program, each command's flags, the
 * pure core); qci-impl.cjs holds what those reach only by `await import()` (sessions, auth files,
 * doctor, …), loaded by the first command that needs it, except what LAZY_BUNDLES puts in a bundle of
 * its own. Each of qci's modules exists once: an impl module
 * importing one of qci.cjs's gets qci.cjs's own (through its `shared` export), so there is one
 * QciError class and one of each module's state. A package both use is in both (only zod: each
 * module parses with the zod that built its schemas; sharing it would keep all of zod at start-up).
 */
async function buildQci() {
  const main = 'src/cli/main.ts';
  const graph = await moduleGraph(main);
  const { bundles, bundleOf } = lazyBundles(graph.lazy);
  checkEachModuleOnce(graph, bundles);
  await buildStartupBundle(main, graph, bundleOf);
  for (const [name, modules] of bundles)
    await buildLazyBundle(name, main, modules, graph.shared);
}

/**
 * Pass 1: the whole program, for its module graph. `startup`: what the entry reaches by static
 * imports; `lazy`: what those import dynamically; `shared`: startup modules a lazy one imports.
 */
async function moduleGraph(main) {
  const { metafile } = await build({
    ...entry('qci', main),
    write: false,
    metafile: true,
  });
  const inputs = metafile.inputs;
  const startup = new Set([main, ...IN_STARTUP]);
  for (const todo = [main, ...IN_STARTUP]; todo.length > 0; )
    for (const im of inputs[todo.pop()]?.imports ?? [])
      if (im.kind !== 'dynamic-import' && !im.external && !startup.has(im.path))
        startup.add(im.path) && todo.push(im.path);
  const lazy = new Set();
  const shared = new Set();
  for (const [file, { imports }] of Object.entries(inputs))
    for (const im of imports)
      if (im.external || !inputs[im.path]) continue;
      else if (startup.has(file) && !startup.has(im.path)) lazy.add(im.path);
      else if (
        !startup.has(file) &&
        startup.has(im.path) &&
        im.path.startsWith('src/')
      )
        shared.add(im.path);
  return { inputs, startup, lazy, shared };
}

/** Which lazy bundle holds each lazily loaded module: qci-impl.cjs, unless LAZY_BUNDLES names another. */
function lazyBundles(lazy) {
  const bundles = new Map([['qci-impl', new Set()]]);
  const bundleOf = new Map();
  for (const [name, modules] of Object.entries(LAZY_BUNDLES)) {
    for (const m of modules)
      if (!lazy.has(m))
        throw new Error(`qci build: ${m} (LAZY_BUNDLES) is not loaded lazily`);
    bundles.set(name, new Set(modules));
    for (const m of modules) bundleOf.set(m, name);
  }
  for (const m of lazy)
    if (!bundleOf.has(m)) {
      bundleOf.set(m, 'qci-impl');
      bundles.get('qci-impl').add(m);
    }
  return { bundles, bundleOf };
}

/**
 * What each bundle reaches (every kind of import; qci.cjs's own modules are shared, not copied): one
 * of qci's modules reached from two bundles would exist twice (a package may: see buildQci).
 */
function checkEachModuleOnce({ inputs, startup }, bundles) {
  const reach = (from) => {
    const seen = new Set();
    for (const todo = [...from]; todo.length > 0; ) {
      const file = todo.pop();
      if (seen.has(file) || startup.has(file) || !inputs[file]) continue;
      seen.add(file);
      for (const im of inputs[file].imports)
        if (!im.external) todo.push(im.path);
    }
    return seen;
  };
  const reached = new Map(
    [...bundles].map(([name, modules]) => [name, reach(modules)]),
  );
  for (const [a, inA] of reached)
    for (const [b, inB] of reached)
      if (a < b)
        for (const m of inA)
          if (m.startsWith('src/') && inB.has(m))
            throw new Error(
              `qci build: ${m} is reached from both ${a}.cjs and ${b}.cjs`,
            );
}

const sortedList = (set) => [...set].sort();
const quoted = (path) => JSON.stringify(path);
const absolute = (path) => join(root, path);

/** Resolves an import the way esbuild does, to the metafile's path (relative to the root). */
const resolver = (b) => async (args) => {
  if (args.pluginData?.qciInner || args.namespace !== 'file') return null;
  const r = await b.resolve(args.path, {
    resolveDir: args.resolveDir,
    kind: args.kind,
    importer: args.importer,
    pluginData: { qciInner: true },
  });
  return r.errors.length > 0 || r.external
    ? null
    : r.path.startsWith(root)
      ? r.path.slice(root.length)
      : null;
};

/** Pass 2: qci.cjs. Its `shared` export is every module qci-impl.cjs imports from it. */
async function buildStartupBundle(main, { lazy, shared }, bundleOf) {
  await build({
    ...entry('qci', main),
    entryPoints: undefined,
    stdin: {
      contents: [
        ...sortedList(shared).map(
          (p, i) => `import * as m${i} from ${quoted(absolute(p))};`,
        ),
        `export const shared = {${sortedList(shared).map((p, i) => `${quoted(p)}: m${i}`)}};`,
        `import ${quoted(absolute(main))};`,
      ].join('\n'),
      resolveDir: root,
      sourcefile: 'qci-startup.js',
      loader: 'js',
    },
    outdir: undefined,
    outfile: 'bin/dist/qci.cjs',
    plugins: [lazyStartup, lazyModulesFromTheirBundles(lazy, bundleOf)],
  });
}

/** In qci.cjs: an `await import()` of a lazy module reads it from the bundle that holds it. */
const lazyModulesFromTheirBundles = (lazy, bundleOf) => ({
  name: 'qci-impl-external',
  setup(b) {
    const resolve = resolver(b);
    b.onResolve({ filter: /^\./ }, async (args) => {
      if (args.kind !== 'dynamic-import') return null;
      const path = await resolve(args);
      return path && lazy.has(path) ? { path, namespace: 'qci-impl' } : null;
    });
    b.onResolve({ filter: /^\.\/qci-[\w-]+\.cjs$/ }, (args) => ({
      path: args.path,
      external: true,
    }));
    b.onLoad({ filter: /.*/, namespace: 'qci-impl' }, (args) => ({
      contents: `module.exports = require('./${bundleOf.get(args.path)}.cjs').modules[${quoted(args.path)}];`,
      resolveDir: root,
      loader: 'js',
    }));
  },
});

/**
 * Pass 3: qci-impl.cjs (or one of LAZY_BUNDLES); its `modules` export every module qci.cjs loads
 * lazily from it.
 */
async function buildLazyBundle(name, main, modules, shared) {
  await build({
    ...entry(name, main),
    entryPoints: undefined,
    stdin: {
      // Getters with require(): each module (and what it imports) is initialised when first asked
      // for, as an `await import()` in one bundle would; qci.cjs asks for it at that very point.
      contents: `export const modules = {${sortedList(modules).map((p) => `get ${quoted(p)}() { return require(${quoted(absolute(p))}); }`)}};`,
      resolveDir: root,
      sourcefile: `${name}.js`,
      loader: 'js',
    },
    outdir: undefined,
    outfile: `bin/dist/${name}.cjs`,
    plugins: [lazyStartup, sharedModulesFromStartup(shared)],
  });
}

/** In a lazy bundle: a module that qci.cjs holds is read from qci.cjs's `shared` export. */
const sharedModulesFromStartup = (shared) => ({
  name: 'qci-shared',
  setup(b) {
    const resolve = resolver(b);
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.path === './qci.cjs') return { path: args.path, external: true };
      const path = await resolve(args);
      return path && shared.has(path)
        ? { path, namespace: 'qci-shared' }
        : null;
    });
    b.onLoad({ filter: /.*/, namespace: 'qci-shared' }, (args) => ({
      contents: `module.exports = require('./qci.cjs').shared[${quoted(args.path)}];`,
      resolveDir: root,
      loader: 'js',
    }));
  },
});

await buildQci();

// docker-credential-qci (bin/docker-credential-qci): podman runs it on every pull of a QCI image, so it is a
// bundle of its own without commander, chalk, zod or the kube client; it shares js-yaml.cjs (for the
// kubeconfig) and yaml.cjs (for a config file).
await build(entry('credential-helper', 'src/cli/credential-helper-main.ts'));

// The LIBRARIES, each bundled into one file: ESM packages of many modules load several times faster
// that way (execa: ~100 ms through require() of the package, ~15 ms bundled).
for (const [name, source] of Object.entries(LIBRARIES)) {
  await build({
    ...common,
    stdin: { contents: source, resolveDir: root, loader: 'js' },
    outfile: `bin/dist/${name}.cjs`,
  });
}

/**
 * Optional packages that the kube client's dependencies try to require (ws, node-fetch, debug) and do
 * without: bundled as "not installed", so an installed qci never loads whatever a global node_modules
 * happens to hold, and every require in bin/dist is a Node built-in or a file beside it.
 */
const absentOptional = {
  name: 'qci-absent-optional',
  setup(b) {
    b.onResolve(
      { filter: /^(bufferutil|utf-8-validate|encoding|supports-color)$/ },
      (args) => ({ path: args.path, namespace: 'qci-absent' }),
    );
    b.onLoad({ filter: /.*/, namespace: 'qci-absent' }, (args) => ({
      contents: `throw Object.assign(new Error("Cannot find module '${args.path}'"), { code: 'MODULE_NOT_FOUND' });`,
      loader: 'js',
    }));
  },
};

/**
 * What of @kubernetes/client-node a bundle keeps. The package declares no `sideEffects`, so esbuild
 * keeps every module it reaches (watch, exec, cp with ws and tar, ~900 model classes): here its files
 * are side-effect free, and its ObjectSerializer knows only the models that the bundled API classes
 * name, with the models those name in turn (a type it does not know passes through as plain JSON,
 * which is what qci reads anyway). node-fetch prefers Node's own URL over whatwg-url (~290 KB).
 */
function kubeTrim(entries) {
  const gen = join(root, 'node_modules/@kubernetes/client-node/dist/gen');
  const serializer = trimmedSerializer(gen, entries);
  const plugin = {
    name: 'qci-kube-trim',
    setup(b) {
      b.onResolve({ filter: /^whatwg-url$/ }, () => ({
        path: 'whatwg-url',
        namespace: 'qci-kube-shim',
      }));
      b.onLoad({ filter: /.*/, namespace: 'qci-kube-shim' }, () => ({
        contents: 'module.exports = { URL, URLSearchParams };',
        loader: 'js',
      }));
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const file = join(args.resolveDir, args.path);
        return args.resolveDir.includes('@kubernetes/client-node/dist')
          ? { path: file, sideEffects: false }
          : undefined;
      });
      serializer.plugin.setup(b);
    },
  };
  return { plugin, check: serializer.check };
}

/**
 * ObjectSerializer.js with only the models that the API classes named in `entries` name, and the
 * models those name in turn. Its typeMap lists every model as a line `    "Name": Name,`.
 */
function trimmedSerializer(gen, entries) {
  const text = entries.map((e) => readFileSync(join(root, e), 'utf8')).join();
  const apis = [...new Set(text.match(/\b\w+Api\b/g))]
    .map((api) => join(gen, 'apis', `${api}.js`))
    .filter((file) => existsSync(file));
  if (apis.length === 0)
    throw new RewriteMismatch(
      `qci build: @kubernetes/client-node changed: none of the API classes ${entries.join(', ')} name is in dist/gen/apis/`,
    );
  const file = 'dist/gen/models/ObjectSerializer.js';
  const line = /^ {4}"(\w+)": \1,\n/gm;
  return exactRewrite({
    name: 'qci-kube-serializer',
    pkg: '@kubernetes/client-node',
    file,
    edits: [],
    transform(source) {
      const known = new Set([...source.matchAll(line)].map((m) => m[1]));
      if (known.size === 0)
        throw new RewriteMismatch(
          `qci build: @kubernetes/client-node changed: ${file} no longer lists its models as lines\n    "Name": Name,`,
        );
      const named = (text) =>
        (text.match(/"\w+"/g) ?? [])
          .map((m) => m.slice(1, -1))
          .filter((n) => known.has(n));
      const keep = new Set(apis.flatMap((f) => named(readFileSync(f, 'utf8'))));
      for (const name of keep)
        for (const inner of named(
          readFileSync(join(gen, 'models', `${name}.js`), 'utf8'),
        ))
          keep.add(inner);
      return source.replace(line, (l, name) => (keep.has(name) ? l : ''));
    },
  });
}

// @kubernetes/client-node, tree-shaken to what src/kube/client-node.ts re-exports. CoreV1Api (~600 KB
// with its wrappers) is only for `qci sa`'s token requests: kube-sa.cjs, loaded by those alone.
const kubeEntry = 'src/kube/client-node.ts';
for (const [name, files] of [
  ['kube', [kubeEntry]],
  ['kube-sa', ['src/kube/client-node-sa.ts', kubeEntry]],
]) {
  const trim = kubeTrim(files);
  await build({
    ...common,
    entryPoints: { [name]: files[0] },
    outdir: 'bin/dist',
    outExtension: { '.js': '.cjs' },
    plugins: [absentOptional, trim.plugin],
  });
  trim.check();
}

// Every bundle is ASCII: a file with one character past it is read as a two-byte string, which takes
// Node twice the memory and three to five times as long (qci-impl.cjs: 1.0-1.5 ms instead of 0.3). esbuild
// escapes strings, but not a regular expression's literal characters: write those as \u escapes.
for (const file of readdirSync(new URL('dist', import.meta.url)))
  if (file.endsWith('.cjs')) {
    const text = readFileSync(new URL(`dist/${file}`, import.meta.url), 'utf8');
    const at = text.search(/[^\x00-\x7f]/);
    if (at >= 0) {
      console.error(
        `qci build: bin/dist/${file} is not ASCII near ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}: escape the character in the source (\\u${text.codePointAt(at).toString(16).padStart(4, '0')})`,
      );
      process.exit(1);
    }
  }

// V8 code caches for bin/qci, made by representative runs in a throwaway HOME: `whoami` (no kubeconfig,
// no engine on PATH: it fails fast) and `pull` (below) for qci-impl.cjs and execa.cjs, `job-image` on a
// one-line log for qci-joblog.cjs, then `pullspec` for qci.cjs, so that start-up's cache holds what
// start-up runs.
const home = mkdtempSync(join(tmpdir(), 'qci-build-'));
// Removed however the build ends (a failed representative run exits at once).
process.on('exit', () => rmSync(home, { recursive: true, force: true }));
const buildLog = join(home, 'build-log.txt');
writeFileSync(
  buildLog,
  'INFO[2024-05-01T13:00:00Z] Using namespace https://console-openshift-console.apps.build05.ci.devcluster.openshift.com/k8s/cluster/projects/ci-op-build0000\n',
);
// A pull of an image the store has, qci's most frequent command, on its whole path (settings, the
// engine's auth files, the pre-flight, the runner): a credential podman would send, and a stand-in
// podman that succeeds at once.
const fakeBin = join(home, 'bin');
mkdirSync(fakeBin);
writeFileSync(join(fakeBin, 'podman'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
mkdirSync(join(home, '.config', 'containers'), { recursive: true });
writeFileSync(
  join(home, '.config', 'containers', 'auth.json'),
  JSON.stringify({
    auths: {
      'quay-proxy.ci.openshift.org': {
        auth: Buffer.from('someone:sha256~build-time-placeholder').toString(
          'base64',
        ),
      },
    },
  }),
);
for (const [args, expected, path] of [
  [['whoami'], 3],
  [['job-image', buildLog], 0],
  [['pull', 'ocp/4.7:my-component'], 0, fakeBin],
  [['pullspec', 'ocp/4.7:my-component'], 0],
]) {
  // A run's cache holds what ran in it and what the cache it loaded held: start-up's is made afresh by
  // the last two runs, so that it holds what a pull and what every command's start-up runs.
  if (args[0] !== 'pullspec')
    rmSync(new URL('dist/qci.v8cache', import.meta.url), { force: true });
  const run = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('qci', import.meta.url)), ...args],
    {
      env: {
        PATH: [path, dirname(process.execPath)].filter(Boolean).join(':'),
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        KUBECONFIG: join(home, 'no-kubeconfig'),
        QCI_WRITE_CODE_CACHE: '1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    },
  );
  if (run.status !== expected) {
    process.stderr.write(run.stderr);
    console.error(
      `qci build: \`qci ${args.join(' ')}\` exited ${run.status}, not ${expected} (see above)`,
    );
    process.exit(1);
  }
}
rmSync(home, { recursive: true, force: true });
// And one for each lazily loaded bundle: load it as qci would.
const warm = spawnSync(
  process.execPath,
  [
    '-e',
    `require('./bin/code-cache.js').install(); for (const b of ${JSON.stringify(['kube', 'kube-sa', ...Object.keys(LIBRARIES)])}) require(\`./bin/dist/\${b}.cjs\`);`,
  ],
  {
    cwd: root,
    env: { PATH: process.env.PATH, QCI_WRITE_CODE_CACHE: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
if (warm.status !== 0) {
  console.error('qci build: a lazily loaded bundle does not load (see above)');
  process.exit(1);
}

// The credential helper's cache: one `get` against a throwaway kubeconfig, so the kubeconfig reading (and
// js-yaml's parser, whose cache qci's kubeconfig reading then shares) is in it.
const helperHome = mkdtempSync(join(tmpdir(), 'qci-build-'));
process.on('exit', () => rmSync(helperHome, { recursive: true, force: true }));
mkdirSync(join(helperHome, '.kube'));
writeFileSync(
  join(helperHome, '.kube', 'config'),
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: api-ci-l2s4-p1-openshiftapps-com:6443',
    '  cluster:',
    '    server: https://api.ci.l2s4.p1.openshiftapps.com:6443',
    'contexts:',
    '- name: app.ci',
    '  context:',
    '    cluster: api-ci-l2s4-p1-openshiftapps-com:6443',
    '    user: someone/api-ci-l2s4-p1-openshiftapps-com:6443',
    'current-context: app.ci',
    'users:',
    '- name: someone/api-ci-l2s4-p1-openshiftapps-com:6443',
    '  user:',
    '    token: sha256~build-time-placeholder-not-a-real-token-0000',
    '',
  ].join('\n'),
);
const helper = spawnSync(
  process.execPath,
  [fileURLToPath(new URL('docker-credential-qci', import.meta.url)), 'get'],
  {
    env: {
      PATH: process.env.PATH,
      HOME: helperHome,
      XDG_CONFIG_HOME: join(helperHome, '.config'),
      QCI_WRITE_CODE_CACHE: '1',
    },
    input: 'quay-proxy.ci.openshift.org',
    stdio: ['pipe', 'ignore', 'inherit'],
  },
);
rmSync(helperHome, { recursive: true, force: true });
if (helper.status !== 0) {
  console.error('qci build: docker-credential-qci does not run (see above)');
  process.exit(1);
}

// `npm run demo` (test/demo/demo.ts, over the end-to-end test bed): outside bin/, so it is not in the
// package and qci never loads it. ESM, so import.meta.url finds the checkout; the banner gives the
// bundled CommonJS packages a require().
if (existsSync(new URL('../test/demo/demo.ts', import.meta.url))) {
  await build({
    ...common,
    entryPoints: ['test/demo/demo.ts'],
    outfile: 'test/demo/dist/demo.mjs',
    format: 'esm',
    minify: false,
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
}

#!/usr/bin/env node
// `qci rewrite --check` against `grep -rIlE 'registry\.(svc\.)?ci\.openshift\.org'` on the same generated
// tree (default 50,000 files, 500 MB: Dockerfiles, YAML, JSON, scripts, Makefiles, Go, Markdown and some
// binaries, about 1% of them with registry references), interleaved in one run so both see the same
// machine load. Prints both medians and their ratio (goal: under 2). The tree is removed afterwards.
// Usage: node bench/rewrite.mjs [files=50000] [megabytes=500] [runs=5]   (build first: npm run build)
//        node bench/rewrite.mjs 5000 50 3   for a quick run
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib/stats.mjs';

const files = Number(process.argv[2] ?? 50_000);
const megabytes = Number(process.argv[3] ?? 500);
const runs = Number(process.argv[4] ?? 5);
const qci = fileURLToPath(new URL('../bin/qci', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'qci-bench-rewrite-'));
const tree = join(work, 'tree');
const env = {
  PATH: process.env.PATH,
  HOME: work,
  XDG_CONFIG_HOME: join(work, '.config'),
};

// A deterministic generator, so every run measures the same tree.
let seed = 42;
const random = () =>
  (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;

const KINDS = [
  {
    name: (i) => `Dockerfile.${i}`,
    line: (i) =>
      `RUN dnf install -y package-${i} && make -C /go/src/github.com/openshift/repo${i} build\n`,
  },
  {
    name: (i) => `config-${i}.yaml`,
    line: (i) =>
      `  - name: item-${i}\n    value: "some configuration value number ${i}"\n`,
  },
  {
    name: (i) => `data-${i}.json`,
    line: (i) =>
      `  {"id": ${i}, "name": "entry-${i}", "enabled": true, "tags": ["a", "b"]},\n`,
  },
  {
    name: (i) => `hack-${i}.sh`,
    line: (i) =>
      `echo "step ${i}"; test -f /tmp/file-${i} || touch /tmp/file-${i}\n`,
  },
  {
    name: (i) => `Makefile.${i}`,
    line: (i) =>
      `target-${i}: dep-${i}\n\t$(GO) build -o bin/tool-${i} ./cmd/tool-${i}\n`,
  },
  {
    name: (i) => `main_${i}.go`,
    line: (i) =>
      `\tif err := doSomething(ctx, ${i}); err != nil {\n\t\treturn fmt.Errorf("step ${i}: %w", err)\n\t}\n`,
  },
  {
    name: (i) => `README-${i}.md`,
    line: (i) =>
      `Paragraph ${i} explains how the component is built, tested and released in CI.\n`,
  },
];
const REFERENCES = [
  'FROM registry.ci.openshift.org/ocp/4.18:base-rhel9\n',
  'FROM registry.svc.ci.openshift.org/ocp/builder:rhel-8-golang-1.15-openshift-4.7 AS builder\n',
  '    image: registry.ci.openshift.org/ci/ci-operator:latest\n',
  `    image: registry.ci.openshift.org/ocp/4.18@sha256:${'ab12'.repeat(16)}\n`,
  'IMG ?= registry.ci.openshift.org/ocp/4.18:$(TAG)\n',
];

function generate() {
  const average = (megabytes * 1024 * 1024) / files;
  let bytes = 0;
  let withReference = 0;
  for (let i = 0; i < files; i++) {
    // Ten files a directory, three levels deep, as in a checkout.
    const d = Math.floor(i / 10);
    const dir = join(
      tree,
      `repo${d % 50}`,
      `dir${Math.floor(d / 50) % 20}`,
      `sub${Math.floor(d / 1000)}`,
    );
    if (i % 10 === 0) mkdirSync(dir, { recursive: true });
    const size = Math.max(200, Math.round(average * (0.25 + 1.5 * random())));
    if (i % 50 === 7) {
      // A binary (an image, a compiled tool): grep -I and qci both skip it.
      const buffer = Buffer.alloc(size);
      for (let j = 0; j < size; j++) buffer[j] = (j * 131 + i) & 0xff;
      writeFileSync(join(dir, `blob-${i}.png`), buffer);
      bytes += size;
      continue;
    }
    const kind = KINDS[i % KINDS.length];
    let text = '';
    for (let n = 0; text.length < size; n++) text += kind.line(i * 1000 + n);
    if (i % 100 === 3) {
      const ref = REFERENCES[withReference++ % REFERENCES.length];
      const at = text.indexOf('\n', Math.floor(text.length * random())) + 1;
      text = text.slice(0, at) + ref + text.slice(at);
    }
    writeFileSync(join(dir, kind.name(i)), text);
    bytes += text.length;
  }
  return { bytes, withReference };
}

const subjects = {
  grep: [
    'grep',
    ['-rIlE', 'registry\\.(svc\\.)?ci\\.openshift\\.org', tree],
    [0],
  ],
  'qci rewrite --check': [
    process.execPath,
    [qci, 'rewrite', '--check', tree],
    [0, 1],
  ],
};

function time([command, args, okCodes]) {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!okCodes.includes(r.status))
    throw new Error(
      `${command} ${args.join(' ')} failed (${r.status}): ${String(r.stderr).slice(0, 2000)}`,
    );
  return { ms, lines: String(r.stdout).split('\n').filter(Boolean).length };
}

/**
 * A minified file: one line of 40,000 references (1.7 MB), each listed by `grep -o` and by qci. Each
 * reference looks only at its own part of the line, so the time grows with the references, not with
 * their square (it took 45 s before).
 */
function oneLongLine() {
  const dir = join(work, 'minified');
  mkdirSync(dir);
  const refs = Array.from(
    { length: 40_000 },
    (_, i) => `"registry.ci.openshift.org/ocp/4.${i % 20}:c${i}"`,
  );
  writeFileSync(join(dir, 'images.json'), `{"images":[${refs.join(',')}]}\n`);
  const pair = {
    'grep -oE': [
      'grep',
      ['-roE', 'registry\\.(svc\\.)?ci\\.openshift\\.org[^"]*', dir],
      [0],
    ],
    'qci rewrite --check': [
      process.execPath,
      [qci, 'rewrite', '--check', dir],
      [0, 1],
    ],
  };
  const ms = {};
  for (const [name, subject] of Object.entries(pair)) {
    const xs = [];
    for (let i = 0; i < runs; i++) xs.push(time(subject).ms);
    ms[name] = median(xs);
  }
  console.log(
    `one line of 40,000 references: qci ${ms['qci rewrite --check'].toFixed(0)} ms, grep -o ${ms['grep -oE'].toFixed(0)} ms, ratio ${(ms['qci rewrite --check'] / ms['grep -oE']).toFixed(1)}`,
  );
}

try {
  const started = Date.now();
  const { bytes, withReference } = generate();
  console.log(
    `tree: ${files} files, ${(bytes / 1024 / 1024).toFixed(0)} MiB, ${withReference} with a reference (generated in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  // Flush the freshly written tree to disk first, so the kernel's write-back does not run during the timings.
  spawnSync('sync');
  const samples = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  const found = {};
  for (const [name, subject] of Object.entries(subjects))
    found[name] = time(subject).lines; // warm the page cache
  for (let i = 0; i < runs; i++) {
    for (const [name, subject] of Object.entries(subjects))
      samples[name].push(time(subject).ms);
  }
  for (const [name, xs] of Object.entries(samples)) {
    console.log(
      `${name.padEnd(22)} median ${median(xs).toFixed(0).padStart(6)} ms  (min ${Math.min(...xs).toFixed(0)}, ${xs.length} runs, ${found[name]} lines of output)`,
    );
  }
  const ratio = median(samples['qci rewrite --check']) / median(samples.grep);
  console.log(
    `ratio qci / grep: ${ratio.toFixed(2)}  (goal: under 2: ${ratio < 2 ? 'met' : 'NOT met'})`,
  );
  oneLongLine();
} finally {
  rmSync(work, { recursive: true, force: true });
}

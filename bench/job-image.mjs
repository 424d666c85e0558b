#!/usr/bin/env node
// qci job-image on a 200 MB local log whose "Using namespace" line is near the end, against
// `grep -m1 'Using namespace'` on the same file, interleaved in one run so both see the same machine load
// and the same page cache. Prints both medians (wall time, and CPU time user+sys, which a busy machine
// disturbs less), their ratios (goal: at most 1.5), qci on a one-line log and `node -e 0` (the
// start-up cost under the scan) and
// qci's peak memory (goal: under 100 MB), measured as the child's maximum resident set size.
// Then the two choices the reader makes, side by side in a bare Node loop: read size (64 KiB, 1 MiB)
// and needle (`Using n`, `Using namespace`).
// Usage: node bench/job-image.mjs [runs] [megabytes]   (build first: npm run build)
import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  openSync,
  writeSync,
  closeSync,
  rmSync,
  writeFileSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib/stats.mjs';

const runs = Number(process.argv[2] ?? 10);
const megabytes = Number(process.argv[3] ?? 200);
const qci = fileURLToPath(new URL('../bin/qci', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'qci-bench-joblog-'));
const log = join(dir, 'build-log.txt');
const env = {
  PATH: process.env.PATH,
  HOME: dir,
  XDG_CONFIG_HOME: join(dir, '.config'),
};
const expected =
  'registry.build05.ci.openshift.org/ci-op-bench1234/pipeline:src';

try {
  // A log that looks like ci-operator's: logrus lines (some coloured), long lines, "Using" elsewhere.
  const noise = [];
  for (let i = 0; i < 2000; i++) {
    const ts = `2024-05-01T12:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`;
    if (i % 7 === 0)
      noise.push(
        `\u001b[36mINFO\u001b[0m[${ts}] Running step e2e-aws-ovn-ipi-install-install.`,
      );
    else if (i % 11 === 0)
      noise.push(
        `INFO[${ts}] Using existing secret ci-pull-credentials for step ${i}`,
      );
    else if (i % 97 === 0) noise.push(`level=info msg="${'x'.repeat(3000)}"`);
    else
      noise.push(
        `INFO[${ts}] pod/e2e-aws-ovn-${i} container test: ok  github.com/openshift/origin/test/extended/${i} ${i * 7} s`,
      );
  }
  const block = Buffer.from(`${noise.join('\n')}\n`);
  const target = megabytes * 1024 * 1024;
  const fd = openSync(log, 'w');
  let written = 0;
  while (written < target - 2 * block.length) written += writeSync(fd, block);
  written += writeSync(
    fd,
    Buffer.from(
      '\u001b[36mINFO\u001b[0m[2024-05-01T13:00:00Z] Using namespace https://console-openshift-console.apps.build05.ci.devcluster.openshift.com/k8s/cluster/projects/ci-op-bench1234\r\n',
    ),
  );
  written += writeSync(fd, block);
  closeSync(fd);
  const size = statSync(log).size;
  console.log(
    `log: ${(size / 1024 / 1024).toFixed(0)} MiB, namespace line at ${((size - block.length) / 1024 / 1024).toFixed(1)} MiB`,
  );

  const small = join(dir, 'small-log.txt');
  writeFileSync(
    small,
    'INFO[2024-05-01T13:00:00Z] Using namespace https://console-openshift-console.apps.build05.ci.devcluster.openshift.com/k8s/cluster/projects/ci-op-bench1234\n',
  );
  const subjects = {
    "grep -m1 'Using namespace'": ['grep', ['-m1', 'Using namespace', log]],
    'qci job-image': [process.execPath, [qci, 'job-image', log]],
    'qci job-image (1-line log)': [process.execPath, [qci, 'job-image', small]],
    'node -e 0': [process.execPath, ['-e', '0']],
  };
  // CPU time (user + sys) of a command: bash's `times` after it reports its children's.
  const cpu = ([cmd, args]) => {
    const quoted = [cmd, ...args].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('bash', ['-c', `${quoted} >/dev/null 2>&1; times`], {
      env,
    });
    const line = r.stdout.toString().trim().split('\n')[1] ?? '';
    const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map(
      (m) => Number(m[1]) * 60 + Number(m[2]),
    );
    return (secs[0] + secs[1]) * 1000;
  };
  const time = ([cmd, args]) => {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 20,
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0)
      throw new Error(
        `${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`,
      );
    return { ms, stdout: r.stdout.toString() };
  };
  const check = time(subjects['qci job-image']);
  if (check.stdout.trim() !== expected)
    throw new Error(
      `qci printed ${JSON.stringify(check.stdout)}, expected ${expected}`,
    );
  time(subjects["grep -m1 'Using namespace'"]); // both warm, file in the page cache

  const samples = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  const cpus = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, subject] of Object.entries(subjects)) {
      samples[name].push(time(subject).ms);
      cpus[name].push(cpu(subject));
    }
  }

  // Peak memory: the child's maximum RSS, reported by a preloaded hook at exit (no /usr/bin/time needed).
  const hook = join(dir, 'maxrss.cjs');
  writeFileSync(
    hook,
    "process.on('exit', () => process.stderr.write(`maxrss=${process.resourceUsage().maxRSS}\\n`));\n",
  );
  const peaks = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(
      process.execPath,
      ['--require', hook, qci, 'job-image', log],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const kb = Number(/maxrss=(\d+)/.exec(r.stderr.toString())?.[1]);
    if (r.status !== 0 || !kb)
      throw new Error(`memory run failed: ${r.stderr}`);
    peaks.push(kb / 1024);
  }

  for (const [name, xs] of Object.entries(samples)) {
    console.log(
      `${name.padEnd(28)} wall median ${median(xs).toFixed(1).padStart(7)} ms (min ${Math.min(...xs).toFixed(1)})` +
        `  cpu median ${median(cpus[name]).toFixed(0).padStart(4)} ms  (${xs.length} runs)`,
    );
  }
  const [grep, ours] = Object.keys(subjects).map((k) => median(samples[k]));
  const [grepCpu, oursCpu] = Object.keys(subjects).map((k) => median(cpus[k]));
  const ratio = ours / grep;
  const cpuRatio = oursCpu / grepCpu;
  const peak = Math.max(...peaks);
  const verdict = (r) => (r <= 1.5 ? 'met' : 'NOT met');
  console.log(
    `ratio qci / grep: wall ${ratio.toFixed(2)} (goal: at most 1.5: ${verdict(ratio)}), cpu ${cpuRatio.toFixed(2)} (${verdict(cpuRatio)})`,
  );
  console.log(
    `qci peak memory (max RSS): ${peak.toFixed(1)} MB  (goal: under 100 MB: ${peak < 100 ? 'met' : 'NOT met'})`,
  );

  // The reader's two choices, in a bare loop like src/joblog/find.ts (sync reads, Buffer#indexOf).
  const loop = join(dir, 'loop.cjs');
  writeFileSync(
    loop,
    `const fs = require('node:fs');
const [size, needle] = [Number(process.argv[2]), Buffer.from(process.argv[3])];
const t = process.cpuUsage(), fd = fs.openSync(process.argv[4], 'r'), b = Buffer.allocUnsafe(size);
for (let n; (n = fs.readSync(fd, b, 0, size, null)); ) if (b.subarray(0, n).indexOf(needle) !== -1) break;
const u = process.cpuUsage(t);
process.stdout.write(String((u.user + u.system) / 1000));\n`,
  );
  const variants = [];
  for (const size of [64 * 1024, 1024 * 1024])
    for (const needle of ['Using n', 'Using namespace'])
      variants.push({ size, needle, xs: [] });
  for (let i = 0; i < runs; i++)
    for (const v of variants) {
      const r = spawnSync(process.execPath, [loop, v.size, v.needle, log]);
      v.xs.push(Number(r.stdout.toString()));
    }
  const base = median(variants[0].xs);
  for (const v of variants) {
    const label = `read ${v.size / 1024} KiB, needle '${v.needle}'`;
    console.log(
      `${label.padEnd(40)} cpu median ${median(v.xs).toFixed(0).padStart(4)} ms  (${(median(v.xs) / base).toFixed(2)}× the first)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

#!/usr/bin/env node
// `qci promoted` over generated ci-operator configs laid out as in openshift/release
// (ci-operator/config/ORG/REPO/ORG-REPO-BRANCH[__VARIANT].yaml): files per second on N configs, and a run
// over 2N configs interleaved with it, to show the time grows linearly (ratio about 2).
// Usage: node bench/promoted.mjs [configs=10000] [runs=5]   (build first: npm run build)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib/stats.mjs';

const configs = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 5);
const qci = fileURLToPath(new URL('../bin/qci', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'qci-bench-promoted-'));
const env = {
  PATH: process.env.PATH,
  HOME: work,
  XDG_CONFIG_HOME: join(work, '.config'),
};

/** One config, varied the way real ones are: name or tag targets, several targets, the older form, items. */
function config(i, org, repo, branch, variant) {
  const images = Array.from(
    { length: 1 + (i % 5) },
    (_, k) =>
      `- dockerfile_path: images/c${k}/Dockerfile\n  from: base\n  to: ${repo}-c${k}${k === 3 ? '\n  optional: true' : ''}\n`,
  ).join('');
  const imagesBlock =
    i % 4 === 0
      ? `images:\n  items:\n${images.replace(/^/gm, '  ')}`
      : `images:\n${images}`;
  let promotion;
  switch (i % 4) {
    case 0:
      promotion = `promotion:\n  to:\n  - name: "4.${i % 20}"\n    namespace: ocp\n`;
      break;
    case 1:
      promotion = `promotion:\n  to:\n  - namespace: ${org}\n    tag: latest\n    tag_by_commit: true\n  - name: "4.${i % 20}"\n    namespace: ocp\n    excluded_images:\n    - ${repo}-c0\n    additional_images:\n      ${repo}-scripts: src\n`;
      break;
    case 2:
      promotion = `promotion:\n  name: ${repo}\n  namespace: ${org}\n`;
      break;
    default:
      promotion = `promotion:\n  to:\n  - disabled: true\n    name: "4.${i % 20}"\n    namespace: origin\n  - excluded_images:\n    - "*"\n    namespace: ci\n    name: ${repo}\n    additional_images:\n      latest: ${repo}-c0\n`;
  }
  return (
    `binary_build_commands: make build\nbuild_root:\n  image_stream_tag:\n    name: release\n    namespace: openshift\n    tag: golang-1.22\n` +
    imagesBlock +
    promotion +
    `resources:\n  '*':\n    requests:\n      cpu: 100m\n      memory: 200Mi\n` +
    `tests:\n- as: unit\n  commands: make test\n  container:\n    from: src\n- as: e2e\n  steps:\n    cluster_profile: aws\n    workflow: openshift-e2e-aws\n` +
    `zz_generated_metadata:\n  branch: ${branch}\n  org: ${org}\n  repo: ${repo}\n${variant ? `  variant: ${variant}\n` : ''}`
  );
}

function generate(dir, count) {
  for (let i = 0; i < count; i++) {
    const org = `org${i % 40}`;
    const repo = `repo${Math.floor(i / 4)}`;
    const branch = ['main', 'master', 'release-4.17', 'release-4.18'][i % 4];
    const variant = i % 7 === 0 ? 'okd' : undefined;
    const d = join(dir, 'ci-operator', 'config', org, repo);
    mkdirSync(d, { recursive: true });
    writeFileSync(
      join(d, `${org}-${repo}-${branch}${variant ? `__${variant}` : ''}.yaml`),
      config(i, org, repo, branch, variant),
    );
  }
}

function time(dir) {
  const start = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [qci, 'promoted', join(dir, 'ci-operator', 'config')],
    { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 },
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0)
    throw new Error(
      `qci promoted failed (${r.status}): ${String(r.stderr).slice(0, 2000)}`,
    );
  return ms;
}

try {
  const small = join(work, 'n');
  const large = join(work, '2n');
  generate(small, configs);
  generate(large, configs * 2);
  time(small); // warm the file cache
  time(large);
  const samples = { n: [], '2n': [] };
  for (let i = 0; i < runs; i++) {
    samples.n.push(time(small));
    samples['2n'].push(time(large));
  }
  const n = median(samples.n);
  const n2 = median(samples['2n']);
  console.log(
    `qci promoted, ${configs} configs      median ${n.toFixed(0).padStart(6)} ms  ${((configs / n) * 1000).toFixed(0)} files/s  (min ${Math.min(...samples.n).toFixed(0)}, ${runs} runs)`,
  );
  console.log(
    `qci promoted, ${configs * 2} configs      median ${n2.toFixed(0).padStart(6)} ms  ${(((configs * 2) / n2) * 1000).toFixed(0)} files/s  (min ${Math.min(...samples['2n']).toFixed(0)}, ${runs} runs)`,
  );
  console.log(
    `ratio ${configs * 2} / ${configs}: ${(n2 / n).toFixed(2)}  (linear is 2; start-up makes it a little less)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

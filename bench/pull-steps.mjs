#!/usr/bin/env node
// Where `qci pull` of a present image spends its time, step by step (bench/lib/step-hook.cjs), after a
// login (proved) and after a plain `podman login` (no facts cache), interleaved with bare `podman pull`
// and `node -e 0` on one test bed (app.ci 100 ms away). Medians in ms; on a loaded machine every step
// is inflated alike, so compare steps with `node -e 0`'s line. QCI_BEFORE=/other/checkout/bin/qci
// adds another build's steps side by side. Usage: node bench/pull-steps.mjs [runs]  (build first)
import { rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, qciBin, qciEnv, startBed, time } from './lib/testbed.mjs';

const runs = Number(process.argv[2] ?? 7);
const hook = join(import.meta.dirname, 'lib', 'step-hook.cjs');
const builds = {
  ...(process.env.QCI_BEFORE ? { before: process.env.QCI_BEFORE } : {}),
  qci: process.env.QCI_BIN ?? qciBin,
};
const bed = await startBed();
try {
  bed.appci.setLatency({ connectionMs: 200, requestMs: 100 });
  const env = await qciEnv(bed);
  const spec = bed.ref('ocp_4.7_my-component');
  const factsFile = join(env.HOME, '.cache', 'qci', 'appci-facts.json');
  const states = {
    proved: () => time(process.execPath, [qciBin, 'login'], env),
    'podman login': async () => {
      await time(
        'podman',
        ['login', '--password-stdin', '-u', bed.user, bed.proxy.host],
        env,
        bed.token,
      );
      rmSync(factsFile, { force: true });
    },
  };
  await states.proved();
  const walls = {};
  const logs = {};
  const add = (k, v) => (walls[k] ??= []).push(v);
  for (let i = -1; i < runs; i++) {
    add(
      'podman pull',
      await time(
        'podman',
        ['pull', '--platform', 'linux/amd64', '--tls-verify=false', spec],
        env,
      ),
    );
    for (const [state, prepare] of Object.entries(states))
      for (const [build, bin] of Object.entries(builds)) {
        await prepare();
        const log = join(
          bed.podman.env.HOME,
          `steps-${build}-${state}.log`.replace(/ /g, '-'),
        );
        if (i < 0) rmSync(log, { force: true });
        logs[`${build}, ${state}`] = log;
        add(
          `${build}, ${state}`,
          await time(
            process.execPath,
            ['--require', hook, bin, 'pull', 'ocp/4.7:my-component'],
            { ...env, STEP_LOG: log },
          ),
        );
      }
    add('node -e 0', await time(process.execPath, ['-e', '0'], env));
  }
  console.log('wall (hook included):');
  for (const [k, xs] of Object.entries(walls))
    console.log(
      `  ${k.padEnd(26)} ${median(xs.slice(1)).toFixed(0).padStart(6)}`,
    );
  const table = Object.fromEntries(
    Object.entries(logs).map(([k, f]) => [k, steps(readFileSync(f, 'utf8'))]),
  );
  const names = Object.keys(Object.values(table)[0]);
  console.log(
    `\nsteps (median ms)${Object.keys(table)
      .map((k) => k.padStart(24))
      .join('')}`,
  );
  for (const n of names)
    console.log(
      `${n.padEnd(30)}${Object.values(table)
        .map((t) => t[n].toFixed(1).padStart(24))
        .join('')}`,
    );
} finally {
  await bed.stop();
}

/** Each run's steps from the hook's lines, medians over the runs (the first, a warm-up, left out). */
function steps(text) {
  const rows = {};
  for (const run of text
    .split('--- run\n')
    .filter((r) => r.includes('hook start'))
    .slice(1)) {
    const ev = run
      .trim()
      .split('\n')
      .map((l) => {
        const [t, ...rest] = l.split(' ');
        return { t: Number(t), s: rest.join(' ') };
      });
    const at = (re) => ev.find((e) => re.test(e.s));
    const took = (re) => Number(/ ([\d.]+)ms$/.exec(at(re)?.s ?? ' 0ms')[1]);
    const impl = at(/load \.\/qci-impl\.cjs/);
    const qciEnd = at(/load .*bin\/qci /).t;
    const execa = at(/readFileSync .*execa\.cjs/).t;
    const spawned = at(/^spawned/).t;
    const exit = at(/child exit/).t;
    const row = {
      'node start (to the hook)': at(/hook start/).t,
      'qci.cjs load and run': qciEnd - at(/readFileSync .*bin\/qci$/).t,
      'warm-up (js-yaml, connects)':
        impl.t - took(/load \.\/qci-impl\.cjs/) - qciEnd,
      'qci-impl.cjs load': took(/load \.\/qci-impl\.cjs/),
      'settings, pre-flight': execa - impl.t,
      'execa load': at(/load \.\/execa\.cjs/).t - execa,
      'execa to spawn': at(/^spawn /).t - at(/load \.\/execa\.cjs/).t,
      'spawn (fork, exec)': spawned - at(/^spawn /).t,
      'podman runs': exit - spawned,
      'after podman': at(/^exit/).t - exit,
      'app.ci connections': ev.filter((e) => e.s === 'connect').length,
    };
    for (const [k, v] of Object.entries(row)) (rows[k] ??= []).push(v);
  }
  return Object.fromEntries(
    Object.entries(rows).map(([k, v]) => [k, median(v)]),
  );
}

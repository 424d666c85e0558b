#!/usr/bin/env node
// `qci doctor` on a healthy machine (logged in, valid token) against the local test bed: prints the
// median of several runs (goal: under 1 second), beside `podman info` run the same way for scale.
// Usage: node bench/doctor.mjs [runs]   (build first: npm run build)
import {
  interleave,
  median,
  qciBin,
  qciEnv,
  startBed,
  time,
} from './lib/testbed.mjs';

const runs = Number(process.argv[2] ?? 10);
const bed = await startBed();
try {
  const env = await qciEnv(bed);
  await time(process.execPath, [qciBin, 'login'], env);
  const samples = await interleave(
    {
      'podman info': () => time('podman', ['info'], env),
      'qci doctor (healthy)': () =>
        time(process.execPath, [qciBin, 'doctor'], env),
    },
    runs,
  );
  const [podmanInfo, doctor] = Object.values(samples).map(median);
  console.log(
    `qci doctor median ${doctor.toFixed(0)} ms (goal: under 1000 ms: ${doctor < 1000 ? 'met' : 'NOT met'}); ratio to podman info ${(doctor / podmanInfo).toFixed(2)}`,
  );
} finally {
  await bed.stop();
}

#!/usr/bin/env node
// `qci pull ocp/4.7:my-component` of an image that is already present, against the bare
// `podman pull --platform linux/amd64 PULLSPEC` it runs, interleaved in one run on the local test bed:
// prints both medians, the difference and the ratio (goal: qci adds under 300 ms).
// Usage: node bench/pull.mjs [runs]   (build first: npm run build)
import { interleave, median, qciBin, startBed, time } from './lib/testbed.mjs';

const runs = Number(process.argv[2] ?? 15);
const bed = await startBed();
try {
  const kubeconfig = await bed.appci.kubeconfig({ token: bed.token });
  const env = {
    ...bed.podman.env,
    KUBECONFIG: kubeconfig,
    QCI_REGISTRY: bed.proxy.host,
  };
  await time(process.execPath, [qciBin, 'login'], env);
  const spec = bed.ref('ocp_4.7_my-component');
  const samples = await interleave(
    {
      'podman pull --platform linux/amd64': () =>
        time('podman', ['pull', '--platform', 'linux/amd64', spec], env),
      'qci pull ocp/4.7:my-component': () =>
        time(process.execPath, [qciBin, 'pull', 'ocp/4.7:my-component'], env),
    },
    runs,
  );
  const [bare, ours] = Object.values(samples).map(median);
  console.log(
    `qci adds ${(ours - bare).toFixed(0)} ms; ratio ${(ours / bare).toFixed(2)}  (goal: adds under 300 ms: ${ours - bare < 300 ? 'met' : 'NOT met'})`,
  );
} finally {
  await bed.stop();
}

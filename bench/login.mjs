#!/usr/bin/env node
// `qci login` against the local test bed compared with the bare `podman login --password-stdin` it
// wraps, interleaved in one run: prints both medians, the difference and the ratio (goal: qci adds
// under 300 ms). Needs podman, docker-registry, skopeo and openssl (as the end-to-end tests do).
// Usage: node bench/login.mjs [runs]   (build first: npm run build)
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
  const samples = await interleave(
    {
      'podman login --password-stdin': () =>
        time(
          'podman',
          ['login', '--password-stdin', '--username', bed.user, bed.proxy.host],
          env,
          bed.token,
        ),
      'qci login': () => time(process.execPath, [qciBin, 'login'], env),
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

#!/usr/bin/env node
// qci images on a real network: 20 local QCI images, the registry RTT ms away behind TLS (the test bed's
// quay-proxy stand-in behind testbed/latency.ts: each new connection pays the TCP handshake's round trip and
// TLS 1.3's, each byte half a round trip each way), timed side by side, interleaved, with `skopeo inspect`
// of one image. Prints medians, the ratio, the time over start-up in round trips, and the requests,
// waves and connections the proxy saw for one run of each.
// The far end speaks HTTP/2 to a client that offers it (as Go servers do), or with `http1`, HTTP/1.1 only.
// Usage: node bench/images.mjs [runs] [rtt-ms] [h2|http1]   (build first: npm run build; default 9 runs,
// 100 ms, h2)
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  interleave,
  median,
  qciBin,
  root,
  startBed,
  time,
} from './lib/testbed.mjs';
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';

const runs = Number(process.argv[2] ?? 9);
const rtt = Number(process.argv[3] ?? 100);
const h2 = (process.argv[4] ?? 'h2') !== 'http1';
const COUNT = 20;
const tags = Array.from(
  { length: COUNT },
  (_, i) => `ocp_4.${i}_bench-component`,
);
// The far front (TypeScript in test/e2e/testbed), bundled as lib/testbed.mjs bundles the bed.
const farBundle = join(
  root,
  'node_modules',
  '.cache',
  'qci-bench-far',
  'latency.mjs',
);
await build({
  entryPoints: [join(root, 'test/e2e/testbed/latency.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: farBundle,
  packages: 'external',
  logLevel: 'error',
  absWorkingDir: root,
});
const { startFarFront } = await import(pathToFileURL(farBundle).href);
// The proxy keeps idle connections open, as the real one (a Go server) does.
const bed = await startBed({ tags, proxyKeepAliveMs: 60_000 });
try {
  const far = await startFarFront({
    target: bed.proxy.port,
    rttMs: rtt,
    tls: { dir: join(bed.dir, 'far'), h2 },
  });
  bed.proxy.setPublicUrl(`https://${far.host}`);
  // skopeo's --cert-dir reads every *.crt as a CA (and wants a .cert for any .key): the CA alone.
  const certDir = join(bed.dir, 'far-certs');
  mkdirSync(certDir, { recursive: true });
  copyFileSync(far.caFile, join(certDir, 'ca.crt'));
  const pe = bed.podman;
  // The images: one pull from the near proxy, then named under the far host for each of the 20 tags.
  const auth = Buffer.from(`${bed.user}:${bed.token}`).toString('base64');
  const authFile = pe.authFiles.xdgRuntime;
  mkdirSync(dirname(authFile), { recursive: true });
  writeFileSync(
    authFile,
    JSON.stringify({
      auths: { [bed.proxy.host]: { auth }, [far.host]: { auth } },
    }),
  );
  await pe.podmanOk(['pull', '-q', '--tls-verify=false', bed.ref(tags[0])]);
  for (const tag of tags)
    await pe.podmanOk([
      'tag',
      bed.ref(tags[0]),
      `${far.host}/openshift/ci:${tag}`,
    ]);
  const env = {
    ...pe.env,
    QCI_REGISTRY: far.host,
    NODE_EXTRA_CA_CERTS: far.caFile,
  };
  const qci = (...args) => time(process.execPath, [qciBin, ...args], env);
  const one = `docker://${far.host}/openshift/ci:${tags[0]}`;
  const skopeo = () =>
    time('skopeo', ['inspect', '--no-tags', '--cert-dir', certDir, one], env);
  // A machine where qci has run before (its cache directory exists): the first run remembers the
  // registry's challenge, and later runs ask the token at once.
  mkdirSync(join(env.HOME, '.cache', 'qci'), { recursive: true, mode: 0o700 });
  const check = JSON.parse(
    await capture(process.execPath, [qciBin, 'images', '--json'], env),
  );
  const states = check.images.map((i) => i.state);
  if (states.length !== COUNT || states.some((s) => s !== 'current'))
    throw new Error(
      `expected ${COUNT} current images, got ${JSON.stringify(states)}`,
    );

  const forget = (...names) => {
    for (const name of names)
      rmSync(join(env.HOME, '.cache', 'qci', name), { force: true });
  };
  // The registry side of a run: from the first HEAD's arrival at the bed's proxy to its last answer
  // (the proxy, the far front's TLS end and the registry share this machine with qci).
  const serverMs = [];
  const sample = async () => {
    bed.proxy.clearRequests();
    const ms = await qci('images');
    const heads = bed.proxy.requests.filter((r) => r.method === 'HEAD');
    if (heads.length > 0)
      serverMs.push(
        Math.max(...heads.map((r) => r.answeredAt)) -
          Math.min(...heads.map((r) => r.receivedAt)),
      );
    return ms;
  };
  const samples = await interleave(
    {
      [`qci images (${COUNT} images)`]: sample,
      // A first run: nothing remembered, so GET /v2/ and the token request come first.
      [`qci images (${COUNT}, first run)`]: () => {
        forget('registry-challenges.json', 'registry-tokens.json');
        return qci('images');
      },
      // The kept token expired (it lives 6 hours): the token request comes first.
      [`qci images (${COUNT}, token expired)`]: () => {
        forget('registry-tokens.json');
        return qci('images');
      },
      'skopeo inspect (1 image)': skopeo,
      // Start-up: the same command where the store holds no image of the registry (node, qci, podman images).
      'qci images (none of this registry)': () =>
        time(process.execPath, [qciBin, 'images'], {
          ...env,
          QCI_REGISTRY: '127.0.0.1:9',
        }),
      'podman images --format json': () =>
        time('podman', ['images', '--format', 'json'], env),
      'node -e 0': () => time(process.execPath, ['-e', '0'], env),
    },
    runs,
  );
  const m = Object.fromEntries(
    Object.entries(samples).map(([k, xs]) => [k, median(xs)]),
  );
  const images = m[`qci images (${COUNT} images)`];
  const start = m['qci images (none of this registry)'];
  const ratio = images / m['skopeo inspect (1 image)'];
  const overStart = (images - start) / rtt;
  console.log(
    `\nat ${rtt} ms round trip, TLS, ${h2 ? 'HTTP/2 offered' : 'HTTP/1.1 only'}, ${COUNT} local QCI images:`,
  );
  console.log(
    `qci images / skopeo inspect of one image: ratio ${ratio.toFixed(2)}  (${images.toFixed(0)} vs ${m['skopeo inspect (1 image)'].toFixed(0)} ms)`,
  );
  const first = m[`qci images (${COUNT}, first run)`];
  console.log(
    `first run (nothing remembered): ${first.toFixed(0)} ms, ${((first - start) / rtt).toFixed(1)} round trips over start-up`,
  );
  const expired = m[`qci images (${COUNT}, token expired)`];
  console.log(
    `kept token expired (challenge remembered): ${expired.toFixed(0)} ms, ${((expired - start) / rtt).toFixed(1)} round trips over start-up`,
  );
  console.log(
    `qci images over its start-up: ${(images - start).toFixed(0)} ms = ${overStart.toFixed(1)} round trips (start-up ${start.toFixed(0)} ms)`,
  );
  console.log(
    `  of which the registry side (first HEAD in to last answer out at the bed's proxy): ${median(serverMs).toFixed(0)} ms`,
  );
  console.log('\nwhat the proxy saw, one more run each:');
  for (const [name, run] of [
    ['qci images', () => qci('images')],
    ['skopeo inspect', skopeo],
  ]) {
    bed.proxy.clearRequests();
    far.resetConnections();
    await run();
    const seen = [...bed.proxy.requests].sort(
      (a, b) => a.receivedAt - b.receivedAt,
    );
    // Requests sent together (arriving within half a round trip of each other), and when they came.
    const waves = [];
    for (const r of seen) {
      const last = waves.at(-1);
      if (last && r.receivedAt - last.at <= rtt / 2) last.requests.push(r);
      else waves.push({ at: r.receivedAt, requests: [r] });
    }
    const what = (r) =>
      `${r.method} ${r.path.replace(/manifests\/.*/, 'manifests/…').replace(/blobs\/.*/, 'blobs/…')}`;
    const kinds = (requests) => {
      const n = {};
      for (const r of requests) n[what(r)] = (n[what(r)] ?? 0) + 1;
      return Object.entries(n)
        .map(([k, c]) => `${c}× ${k}`)
        .join(', ');
    };
    console.log(
      `${name}: ${seen.length} requests over ${far.connections} connections, arriving at`,
    );
    for (const w of waves)
      console.log(
        `  +${((w.at - (seen[0]?.receivedAt ?? 0)) / rtt).toFixed(1)} RTT  ${kinds(w.requests)}`,
      );
  }
  // The critical path: the connection (TCP, then TLS 1.3: 2 round trips), opened before the store is
  // read, then every HEAD at once with the token kept from the run before: 3 round trips, plus what the
  // registry side takes to answer (here the bed's proxy and registry, on this same machine).
  const net = (images - start - median(serverMs)) / rtt;
  console.log(
    `goal ≤ 3 round trips plus start-up: ${net <= 3 ? 'met' : 'NOT met'} (${net.toFixed(2)} round trips besides the registry side's own ${median(serverMs).toFixed(0)} ms; ${overStart.toFixed(2)} in wall time)`,
  );
  await far.stop();
} finally {
  await bed.stop();
  rmSync(dirname(farBundle), { recursive: true, force: true });
}

/** A command's stdout, asynchronously: the bed's servers answer from this very process. */
async function capture(cmd, args, env) {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  return (await promisify(execFile)(cmd, args, { env, encoding: 'utf8' }))
    .stdout;
}

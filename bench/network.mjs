#!/usr/bin/env node
// qci on a real network: the test bed's fake app.ci plays a server RTT ms away (each new connection
// waits 2 RTT, TCP plus TLS; each request 1 RTT), and each qci command is timed side by side, in one
// interleaved run, with the bare engine command it wraps. Prints medians, differences and the goals
// (bench/README.md). (The registry stays local: bare podman talks to it too, so it is the same on both sides.)
// Usage: node bench/network.mjs [runs] [rtt-ms]   (build first: npm run build; default 9 runs, 100 ms)
// QCI_BIN=/other/checkout/bin/qci times another build (a before/after comparison on the same machine);
// QCI_BEFORE=/other/checkout/bin/qci also times that build's pulls of a present image, interleaved on the same bed.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  interleave,
  median,
  qciBin,
  qciEnv,
  root,
  startBed,
  time,
} from './lib/testbed.mjs';

/** floor-libs-main.mjs bundled as qci's bundles are (minified CommonJS for Node 20), in a temporary directory. */
async function bundleLibsFloor() {
  const dir = mkdtempSync(join(tmpdir(), 'qci-floor-'));
  const outfile = join(dir, 'floor-libs.cjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'lib', 'floor-libs-main.mjs')],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    outfile,
    logLevel: 'warning',
  });
  return { dir, bundle: outfile };
}

const runs = Number(process.argv[2] ?? 9);
const rtt = Number(process.argv[3] ?? 100);
const libsFloor = await bundleLibsFloor();
// The single executable (npm run sea), when built: the same pull, without bin/qci's loading of files.
const sea = join(root, 'bin', 'sea', 'qci');
const seaBuilt = !process.env.QCI_BIN && existsSync(sea);
const bed = await startBed();
try {
  bed.appci.setLatency({ connectionMs: 2 * rtt, requestMs: rtt });
  const env = await qciEnv(bed);
  const bin = process.env.QCI_BIN ?? qciBin;
  const { QCI_REGISTRY, QCI_TLS_VERIFY, ...settingsFree } = env;
  const qci = (...args) => time(process.execPath, [bin, ...args], env);
  const before = process.env.QCI_BEFORE;
  const qciBefore = (...args) => time(process.execPath, [before, ...args], env);
  const podman = (...args) => time('podman', args, env);
  const spec = bed.ref('ocp_4.7_my-component');
  const pull = ['pull', '--platform', 'linux/amd64'];
  // Never logged in: no credential in any auth file, and nothing remembered about any token.
  const forget = () => {
    for (const file of Object.values(bed.podman.authFiles))
      rmSync(file, { force: true });
    rmSync(join(env.HOME, '.cache', 'qci'), { recursive: true, force: true });
  };
  const factsFile = join(env.HOME, '.cache', 'qci', 'appci-facts.json');
  // What qci proved about the token, dated a day back (facts now hold until the token expires).
  const provedLongAgo = async () => {
    await qci('login');
    const facts = JSON.parse(readFileSync(factsFile, 'utf8'));
    for (const entry of Object.values(facts.entries))
      if (entry.provedAt)
        entry.provedAt = new Date(Date.now() - 86_400_000).toISOString();
    writeFileSync(factsFile, JSON.stringify(facts));
  };
  const podmanLogin = () =>
    time(
      'podman',
      ['login', '--password-stdin', '-u', bed.user, bed.proxy.host],
      env,
      bed.token,
    );
  // A credential stored by a plain `podman login`, never proved by qci (no facts at all).
  const byHand = async () => {
    await podmanLogin();
    rmSync(factsFile, { force: true });
  };
  // podman's file holds a token app.ci has revoked (qci has never seen it).
  const revoked = () => {
    const token = bed.appci.createToken(bed.user);
    bed.appci.revokeToken(token);
    const file = bed.podman.authFiles.xdgRuntime;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({
        auths: {
          [bed.proxy.host]: {
            auth: Buffer.from(`${bed.user}:${token}`).toString('base64'),
          },
        },
      }),
    );
  };
  await qci('login');
  await podman(...pull, spec);
  // The same app.ci context among 39 others (half with their CA inline), as years of `oc login` leave a
  // kubeconfig: what reading it costs a command, beside the test bed's one-context file.
  const crowded = parseYaml(readFileSync(env.KUBECONFIG, 'utf8'));
  for (let i = 0; i < 39; i++) {
    crowded.clusters.push({
      name: `api-c${i}-example-com:6443`,
      cluster: {
        server: `https://api.c${i}.example.com:6443`,
        ...(i % 2
          ? {}
          : {
              'certificate-authority-data': 'LS0tLS1CRUdJTi'.padEnd(1800, 'A'),
            }),
      },
    });
    crowded.contexts.push({
      name: `default/api-c${i}-example-com:6443/alice`,
      context: { cluster: `api-c${i}-example-com:6443`, user: `alice/c${i}` },
    });
    crowded.users.push({
      name: `alice/c${i}`,
      user: { token: `sha256~${String(i).padStart(43, 'b')}` },
    });
  }
  const crowdedFile = join(dirname(env.KUBECONFIG), 'crowded-kubeconfig.yaml');
  writeFileSync(crowdedFile, stringifyYaml(crowded));

  const samples = await interleave(
    {
      'podman pull (present)': () => podman(...pull, spec),
      // The floor for a Node.js program in front of podman (bench/lib/floor.cjs).
      'node floor.cjs pull (present)': () =>
        time(
          process.execPath,
          [join(import.meta.dirname, 'lib', 'floor.cjs'), ...pull, spec],
          env,
        ),
      // The same with execa, qci's runner library (bench/lib/floor-execa.cjs).
      'node floor-execa.cjs pull (present)': () =>
        time(
          process.execPath,
          [join(import.meta.dirname, 'lib', 'floor-execa.cjs'), ...pull, spec],
          env,
        ),
      // The same with commander and zod as well, the design's other two libraries (floor-libs-main.mjs).
      'node floor-libs.cjs pull (present)': () =>
        time(
          process.execPath,
          [
            join(import.meta.dirname, 'lib', 'floor-libs.cjs'),
            libsFloor.bundle,
            ...pull,
            spec,
          ],
          env,
        ),
      'qci pull (present, proved long ago)': async () => {
        await provedLongAgo();
        return qci('pull', 'ocp/4.7:my-component');
      },
      ...(seaBuilt
        ? {
            'bin/sea/qci pull (present, proved long ago)': async () => {
              await provedLongAgo();
              return time(sea, ['pull', 'ocp/4.7:my-component'], env);
            },
          }
        : {}),
      'qci pull (present, podman login)': async () => {
        await byHand();
        return qci('pull', 'ocp/4.7:my-component');
      },
      ...(before
        ? {
            'before: qci pull (present, proved long ago)': async () => {
              await provedLongAgo();
              return qciBefore('pull', 'ocp/4.7:my-component');
            },
            'before: qci pull (present, podman login)': async () => {
              await byHand();
              return qciBefore('pull', 'ocp/4.7:my-component');
            },
          }
        : {}),
      'qci pull (present, revoked token)': () => {
        revoked();
        return qci('pull', 'ocp/4.7:my-component');
      },
      'podman login --password-stdin': podmanLogin,
      'qci login': () => qci('login'),
      'qci pull (never logged in)': async () => {
        forget();
        return qci('pull', 'ocp/4.7:my-component');
      },
      'qci whoami': () => qci('whoami'),
      'qci whoami (40 contexts)': () =>
        time(process.execPath, [bin, 'whoami'], {
          ...env,
          KUBECONFIG: crowdedFile,
        }),
      'qci doctor (healthy)': () => qci('doctor'),
      'node -e 0': () => time(process.execPath, ['-e', '0'], env),
      // As bench/startup.mjs: no QCI_* setting to check (one would load zod to check it).
      'qci pullspec': () =>
        time(
          process.execPath,
          [bin, 'pullspec', 'ocp/4.7:my-component'],
          settingsFree,
        ),
    },
    runs,
  );
  const m = Object.fromEntries(
    Object.entries(samples).map(([k, xs]) => [k, median(xs)]),
  );
  const bare = m['podman pull (present)'];
  const loginPull = m['qci login'] + bare;
  const rows = [
    [
      'qci pull, present, proved long ago',
      `${m['qci pull (present, proved long ago)'].toFixed(0)} vs ${bare.toFixed(0)} ms`,
      m['qci pull (present, proved long ago)'] - bare,
      50,
      'adds',
    ],
    [
      'qci pull, present, after podman login',
      `${m['qci pull (present, podman login)'].toFixed(0)} vs ${bare.toFixed(0)} ms (never proved by qci)`,
      m['qci pull (present, podman login)'] - bare,
      50,
      'adds',
    ],
    ...(before
      ? [
          ['proved long ago', 'before: qci pull (present, proved long ago)'],
          ['after podman login', 'before: qci pull (present, podman login)'],
        ].map(([what, key]) => [
          `QCI_BEFORE pull, present, ${what}`,
          `${m[key].toFixed(0)} vs ${bare.toFixed(0)} ms`,
          m[key] - bare,
          50,
          'adds',
        ])
      : []),
    [
      'floor: a Node.js wrapper, present',
      `${m['node floor.cjs pull (present)'].toFixed(0)} vs ${bare.toFixed(0)} ms (bench/lib/floor.cjs: Node's start, child_process, the spawn)`,
      m['node floor.cjs pull (present)'] - bare,
      50,
      'adds',
    ],
    [
      'floor with execa, present',
      `${m['node floor-execa.cjs pull (present)'].toFixed(0)} vs ${bare.toFixed(0)} ms (bench/lib/floor-execa.cjs: the floor, podman run through execa)`,
      m['node floor-execa.cjs pull (present)'] - bare,
      50,
      'adds',
    ],
    [
      'floor with commander, zod, execa, present',
      `${m['node floor-libs.cjs pull (present)'].toFixed(0)} vs ${bare.toFixed(0)} ms (bench/lib/floor-libs-main.mjs: as floor-execa, the command line parsed by commander, the auth files checked by zod)`,
      m['node floor-libs.cjs pull (present)'] - bare,
      50,
      'adds',
    ],
    ...(seaBuilt
      ? [
          [
            'single executable pull, present, proved',
            `${m['bin/sea/qci pull (present, proved long ago)'].toFixed(0)} vs ${bare.toFixed(0)} ms (bin/sea/qci, npm run sea)`,
            m['bin/sea/qci pull (present, proved long ago)'] - bare,
            50,
            'adds',
          ],
        ]
      : []),
    [
      'qci pull, present, revoked token',
      `${m['qci pull (present, revoked token)'].toFixed(0)} vs ${(loginPull + bare).toFixed(0)} ms (qci login + 2 podman pulls)`,
      m['qci pull (present, revoked token)'] - loginPull - bare,
      0,
      'adds',
    ],
    [
      'qci pull, never logged in',
      `${m['qci pull (never logged in)'].toFixed(0)} vs ${loginPull.toFixed(0)} ms (qci login + podman pull)`,
      m['qci pull (never logged in)'] - loginPull,
      0,
      'adds',
    ],
    [
      'qci login',
      `${m['qci login'].toFixed(0)} vs ${m['podman login --password-stdin'].toFixed(0)} ms`,
      m['qci login'] - m['podman login --password-stdin'],
      3 * rtt + 100,
      'adds',
    ],
    ['qci whoami', '', m['qci whoami'], 3 * rtt + 150, 'takes'],
    [
      'qci whoami, kubeconfig of 40 contexts',
      `(${(m['qci whoami (40 contexts)'] - m['qci whoami']).toFixed(0)} ms more than with one)`,
      m['qci whoami (40 contexts)'],
      3 * rtt + 150,
      'takes',
    ],
    [
      'qci doctor (healthy)',
      '',
      m['qci doctor (healthy)'],
      3 * rtt + 150,
      'takes',
    ],
  ];
  console.log(
    `\nat ${rtt} ms round trip (app.ci connection ${2 * rtt} ms, request ${rtt} ms):`,
  );
  for (const [what, detail, value, goal, verb] of rows)
    console.log(
      `${what.padEnd(40)} ${verb} ${value.toFixed(0).padStart(5)} ms  (${goal === null ? 'no goal set' : `goal ≤ ${goal} ms: ${value <= goal ? 'met' : 'NOT met'}`})  ${detail}`,
    );
  // What the wall times above rest on, and what machine load cannot blur: app.ci's side of each command.
  console.log(
    '\napp.ci requests and new connections per command (one more run each):',
  );
  const pullArgs = ['pull', 'ocp/4.7:my-component'];
  for (const [name, args, before] of [
    ['qci pull (present, proved long ago)', pullArgs, provedLongAgo],
    ['qci pull (present, podman login)', pullArgs, byHand],
    ['qci pull (present, revoked token)', pullArgs, revoked],
    ['qci login', ['login']],
    ['qci pull (never logged in)', pullArgs, forget],
    ['qci whoami', ['whoami']],
    ['qci doctor (healthy)', ['doctor']],
  ]) {
    await before?.();
    bed.appci.clearRequests();
    await qci(...args);
    // A wave: requests sent before any answer of the wave came back (so not waiting for one another).
    let rounds = 0;
    let waveEnd = Number.NEGATIVE_INFINITY;
    const byArrival = [...bed.appci.requests].sort(
      (x, y) => x.receivedAt - y.receivedAt,
    );
    for (const r of byArrival) {
      const end = r.answeredAt ?? Number.POSITIVE_INFINITY;
      if (r.receivedAt >= waveEnd) {
        rounds++;
        waveEnd = end;
      } else waveEnd = Math.min(waveEnd, end);
    }
    console.log(
      `${name.padEnd(40)} ${bed.appci.requests.length} requests over ${bed.appci.connections} connections, in ${rounds} wave(s)`,
    );
  }
  const ratio = m['qci pullspec'] / m['node -e 0'];
  console.log(
    `${'start-up: qci pullspec / node -e 0'.padEnd(40)} ratio ${ratio.toFixed(2)}  (goal ≤ 1.2: ${ratio <= 1.2 ? 'met' : 'NOT met'})  ${m['qci pullspec'].toFixed(1)} vs ${m['node -e 0'].toFixed(1)} ms`,
  );
} finally {
  await bed.stop();
  rmSync(libsFloor.dir, { recursive: true, force: true });
}

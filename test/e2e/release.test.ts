/**
 * qci release end to end: the real bin/qci against a fake release controller (real HTTP, the real API's
 * JSON) and real payload-shaped images in the test registry behind the quay-proxy stand-in, whose
 * components are real images pushed by digest. QCI is asked with the credential podman sends.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TESTBED_TOOLS, requireTools, type TestBed } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { QCI_BIN } from './testbed/fixture.js';
import { hasScript, scriptArgs } from '../helpers/pty.js';
import {
  pushIndex,
  pushPayload,
  type PushedPayload,
} from './testbed/payload.js';
import {
  startFakeReleaseController,
  type FakeReleaseController,
  type FakeTag,
} from './testbed/release-controller.js';

const tools = requireTools(TESTBED_TOOLS);

const CI = '4.18.0-0.ci-2026-11-20-101010';
const CI_OLDER = '4.18.0-0.ci-2026-11-19-090909';
const CI_REJECTED = '4.18.0-0.ci-2026-11-20-202020';
const NIGHTLY = '4.18.0-0.nightly-2026-11-20-000000';
const MOVED = '4.17.0-0.ci-2026-11-20-050505';
const HOLLOW = '4.16.0-0.ci-2026-11-20-060606';
const MULTI = '4.18.0-0.ci-multi-2026-11-20-070707';
const BIG = '4.15.0-0.ci-2026-11-20-080808';
/** Random bytes in BIG's top layer, ahead of image-references: far more than qci may hold at once. */
const BIG_BYTES = 128 * 1024 * 1024;

interface World {
  rc: FakeReleaseController;
  components: Record<string, string>;
  payload: PushedPayload;
  /** The multi payload's index digest (with extras). */
  multiIndex?: string;
}

/** A multi payload (an OCI index: amd64 and arm64 payloads) and one with a 128 MiB top layer. */
async function pushExtras(
  bed: TestBed,
  components: Record<string, string>,
): Promise<{ streams: Record<string, FakeTag[]>; multiIndex: string }> {
  const reg = bed.registry.host;
  const [amd64, arm64] = await Promise.all([
    pushPayload(reg, { tag: 'multi-amd64', name: MULTI, components }),
    pushPayload(reg, {
      tag: 'multi-arm64',
      name: MULTI,
      components: { cli: components.installer! },
    }),
    pushPayload(reg, {
      tag: `rc_payload__${BIG}`,
      name: BIG,
      components,
      topBytes: BIG_BYTES,
    }),
  ]);
  const multiIndex = await pushIndex(
    reg,
    'openshift/ci',
    `rc_payload__${MULTI}`,
    [
      { image: amd64, architecture: 'amd64' },
      { image: arm64, architecture: 'arm64' },
    ],
  );
  const qci = (name: string) =>
    `${bed.proxy.host}/openshift/ci:rc_payload__${name}`;
  return {
    multiIndex,
    streams: {
      '4.18.0-0.ci-multi': [
        { name: MULTI, phase: 'Accepted', pullSpec: qci(MULTI) },
      ],
      '4.15.0-0.ci': [{ name: BIG, phase: 'Accepted', pullSpec: qci(BIG) }],
    },
  };
}

async function buildWorld(bed: TestBed, extras = false): Promise<World> {
  const components: Record<string, string> = {};
  for (const name of ['cli', 'installer']) {
    const image = await bed.pushImage({
      tags: [`component-${name}`],
      content: `${name}\n`,
    });
    components[name] = `${bed.proxy.host}/openshift/ci@${image.digest}`;
  }
  const reg = bed.registry.host;
  const payload = await pushPayload(reg, {
    tag: `rc_payload__${CI}`,
    name: CI,
    components,
  });
  await pushPayload(reg, {
    repository: 'ocp/release',
    tag: NIGHTLY,
    name: NIGHTLY,
    components,
  });
  await pushPayload(reg, {
    tag: `rc_payload__${CI_REJECTED}`,
    name: CI_REJECTED,
    components,
  });
  await pushPayload(reg, {
    tag: `rc_payload__${MOVED}`,
    name: MOVED,
    components,
  });
  await pushPayload(reg, {
    tag: `rc_payload__${HOLLOW}`,
    name: HOLLOW,
    components,
    withoutReferences: true,
  });
  const qci = (name: string) =>
    `${bed.proxy.host}/openshift/ci:rc_payload__${name}`;
  const more = extras ? await pushExtras(bed, components) : undefined;
  const rc = await startFakeReleaseController({
    latencyMs: 20,
    streams: {
      '4.18.0-0.ci': [
        { name: CI_OLDER, phase: 'Accepted', pullSpec: qci(CI_OLDER) },
        { name: CI, phase: 'Accepted', pullSpec: qci(CI) },
        { name: CI_REJECTED, phase: 'Rejected', pullSpec: qci(CI_REJECTED) },
      ],
      '4.18.0-0.nightly': [
        {
          name: NIGHTLY,
          phase: 'Accepted',
          pullSpec: `${reg}/ocp/release:${NIGHTLY}`,
        },
      ],
      // Listed at app.ci's registry by the controller, but QCI has it: QCI wins.
      '4.17.0-0.ci': [
        {
          name: MOVED,
          phase: 'Accepted',
          pullSpec: `${reg}/ocp/release:${MOVED}`,
        },
      ],
      '4.16.0-0.ci': [
        { name: HOLLOW, phase: 'Accepted', pullSpec: qci(HOLLOW) },
      ],
      '4.23.0-0.ci': [
        {
          name: '4.23.0-0.ci-2026-11-20-000000',
          phase: 'Rejected',
          pullSpec: qci('x'),
        },
      ],
      '4.19.0-0.ci': [],
      // The controller still lists it; app.ci's registry has pruned it.
      '4.20.0-0.nightly': [
        {
          name: '4.20.0-0.nightly-2026-11-20-000000',
          phase: 'Accepted',
          pullSpec: `${reg}/ocp/release:4.20.0-0.nightly-2026-11-20-000000`,
        },
      ],
      ...more?.streams,
    },
  });
  return {
    rc,
    components,
    payload,
    ...(more ? { multiIndex: more.multiIndex } : {}),
  };
}

/** The test bed of a describe block, its release world built once it is up, and stopped after it. */
function useReleaseBed(extras: boolean, built: (world: World) => void) {
  let rc: FakeReleaseController | undefined;
  const tb = useTestBed({
    denyMode: 'auth-401',
    qciEnv: (bed) => ({
      QCI_REGISTRY: bed.proxy.host,
      QCI_TLS_VERIFY: 'false',
      QCI_RELEASE_CONTROLLER: rc?.url,
    }),
    setup: async (bed) => {
      const world = await buildWorld(bed, extras);
      rc = world.rc;
      built(world);
    },
  });
  afterAll(async () => rc?.stop());
  return tb;
}

describe.skipIf(!tools.ok)('qci release (end to end)', () => {
  let world!: World;
  const tb = useReleaseBed(true, (w) => {
    world = w;
  });

  /** A podman environment that trusts the proxy and the backend, and an app.ci login to log in with. */
  async function ready() {
    await tb.freshPodman({
      insecureRegistries: [tb.bed.proxy.host, tb.bed.registry.host],
    });
    await tb.kubeconfigAtHome();
  }
  const json = (stdout: string) =>
    JSON.parse(stdout) as Record<string, unknown>;

  it('resolves 4.18 to the latest accepted CI release in QCI, logging podman in to ask', async () => {
    await ready();
    const r = await tb.qci(['release', '4.18']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `${tb.bed.proxy.host}/openshift/ci:rc_payload__${CI}\n`,
    );
    expect(r.stderr).toContain('logging in');
    expect(r.stderr).toContain(`${CI} (Accepted) in QCI`);
    expect(world.rc.requests.map((q) => q.path)).toContain(
      '/api/v1/releasestream/4.18.0-0.ci/latest',
    );
  });

  it('--json gives name, stream, phase, pull spec, digest and where it lives', async () => {
    await ready();
    const r = await tb.qci(['release', '--json', '4.18.0-0.ci']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({
      name: CI,
      stream: '4.18.0-0.ci',
      arch: 'amd64',
      phase: 'Accepted',
      pullSpec: `${tb.bed.proxy.host}/openshift/ci:rc_payload__${CI}`,
      digest: world.payload.digest,
      location: 'qci',
      qci: { present: true },
    });
    expect(r.stdout).not.toContain(tb.bed.token);
  });

  it('asks QCI with one manifest request: no tag list, no blob', async () => {
    await ready();
    await tb.qci(['release', '4.18']); // logs in
    tb.bed.proxy.clearRequests();
    const r = await tb.qci(['release', '4.18']);
    expect(r.exitCode, r.stderr).toBe(0);
    const paths = tb.bed.proxy.requests.map((q) => q.path);
    expect(paths.filter((p) => p.includes('/manifests/'))).toEqual([
      `/v2/openshift/ci/manifests/rc_payload__${CI}`,
    ]);
    expect(
      paths.some((p) => p.includes('/blobs/') || p.includes('/tags/')),
    ).toBe(false);
  });

  it('a nightly that QCI does not hold is answered with the pull spec the controller gave', async () => {
    await ready();
    tb.bed.proxy.clearRequests();
    const r = await tb.qci(['release', '--json', '4.18.0-0.nightly']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({
      name: NIGHTLY,
      pullSpec: `${tb.bed.registry.host}/ocp/release:${NIGHTLY}`,
      location: 'other',
      digest: null,
      // Not asked: only the CI streams copy their payloads to QCI.
      qci: { present: null },
    });
    expect(tb.bed.proxy.requests).toEqual([]);
    expect(r.stderr).not.toContain('logging in');
  });

  it('a release the controller lists elsewhere is answered from QCI when QCI has it', async () => {
    await ready();
    const r = await tb.qci(['release', MOVED]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(
      `${tb.bed.proxy.host}/openshift/ci:rc_payload__${MOVED}`,
    );
  });

  it('a rejected release asked by name is answered, with a warning naming the latest accepted', async () => {
    await ready();
    const r = await tb.qci(['release', CI_REJECTED]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(
      `${tb.bed.proxy.host}/openshift/ci:rc_payload__${CI_REJECTED}`,
    );
    expect(r.stderr).toContain(
      `warning: the release controller rejected ${CI_REJECTED} (a blocking job failed); its stream's latest accepted: qci release 4.18.0-0.ci`,
    );
  });

  it('a full release name is looked up in its stream', async () => {
    await ready();
    world.rc.clearRequests();
    const r = await tb.qci(['release', '--json', CI]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({
      name: CI,
      phase: 'Accepted',
      stream: '4.18.0-0.ci',
    });
    expect(world.rc.requests.map((q) => q.path)).toEqual([
      '/api/v1/releasestream/4.18.0-0.ci/tags',
    ]);
  });

  it('--components lists every component by digest, reading only the top layer', async () => {
    await ready();
    await tb.qci(['release', '4.18']); // logs in
    tb.bed.proxy.clearRequests();
    const r = await tb.qci(['release', '4.18', '--components']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual([
      `cli        ${world.components.cli}`,
      `installer  ${world.components.installer}`,
    ]);
    // The top layer once, and no other blob: not the 2 MiB base layer, not the config.
    const blobs = tb.bed.proxy.requests
      .filter((q) => q.path.includes('/blobs/'))
      .map((q) => q.path.split('/').at(-1));
    expect(blobs).toEqual([world.payload.layers[1]]);
    // The QCI check and the payload read both start from the token the run before kept: no challenge,
    // no token request.
    expect(
      tb.bed.proxy.requests.filter((q) => /^\/v2\/(auth)?$/.test(q.path)),
    ).toEqual([]);
    const j = await tb.qci(['release', '4.18', '--components', '--json']);
    const report = json(j.stdout);
    expect(report.components).toEqual([
      {
        name: 'cli',
        pullSpec: world.components.cli,
        digest: world.components.cli!.split('@')[1],
      },
      {
        name: 'installer',
        pullSpec: world.components.installer,
        digest: world.components.installer!.split('@')[1],
      },
    ]);
    expect(report.componentsFrom).toMatchObject({
      layers: 2,
      layer: world.payload.layers[1],
    });
  });

  it('--component NAME prints a pull spec that podman pulls and qci inspect reads', async () => {
    await ready();
    const r = await tb.qci(['release', '4.18', '--component', 'installer']);
    expect(r.exitCode, r.stderr).toBe(0);
    const spec = r.stdout.trim();
    expect(spec).toBe(world.components.installer);
    const pull = await tb.pe.podman(['pull', spec]);
    expect(pull.exitCode, pull.stderr).toBe(0);
    const inspect = await tb.qci(['inspect', '--json', spec]);
    expect(inspect.exitCode, inspect.stderr).toBe(0);
    expect(json(inspect.stdout).digest).toBe(spec.split('@')[1]);
  });

  it('--component with a name the payload lacks says which are close', async () => {
    await ready();
    const r = await tb.qci(['release', '4.18', '--component', 'instaler']);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain(
      `${CI} has no component instaler; close: installer`,
    );
  });

  it('--pull pulls the payload from QCI, and --component --pull the component', async () => {
    await ready();
    const r = await tb.qci(['release', '4.18', '--pull', '-q']);
    expect(r.exitCode, r.stderr).toBe(0);
    const images = await tb.pe.podman([
      'images',
      '--digests',
      '--format',
      '{{.Repository}}:{{.Tag}} {{.Digest}}',
    ]);
    expect(images.stdout).toContain(
      `${tb.bed.proxy.host}/openshift/ci:rc_payload__${CI} ${world.payload.digest}`,
    );
    const c = await tb.qci([
      'release',
      '4.18',
      '--component',
      'cli',
      '--pull',
      '-q',
      '--json',
    ]);
    expect(c.exitCode, c.stderr).toBe(0);
    // One JSON document on stdout; podman's image ID went to stderr.
    expect(json(c.stdout)).toMatchObject({
      component: { name: 'cli', pullSpec: world.components.cli },
      pulled: { ok: true, pullSpec: world.components.cli },
    });
    const after = await tb.pe.podman([
      'images',
      '--digests',
      '--format',
      '{{.Digest}}',
    ]);
    expect(after.stdout).toContain(world.components.cli!.split('@')[1]);
  });

  it('--arch multi: the index is the payload; its components are those of the platform asked for', async () => {
    await ready();
    const r = await tb.qci([
      'release',
      '4.18',
      '--arch',
      'multi',
      '--json',
      '--components',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({
      name: MULTI,
      stream: '4.18.0-0.ci-multi',
      arch: 'multi',
      digest: world.multiIndex,
      components: [
        { name: 'cli', pullSpec: world.components.cli },
        { name: 'installer', pullSpec: world.components.installer },
      ],
    });
    const arm = await tb.qci([
      'release',
      MULTI,
      '--platform',
      'linux/arm64',
      '--component',
      'cli',
    ]);
    expect(arm.exitCode, arm.stderr).toBe(0);
    expect(arm.stdout.trim()).toBe(world.components.installer);
  });

  it.skipIf(!existsSync('/usr/bin/time'))(
    'memory stays bounded: a 128 MiB top layer is streamed past, not held',
    async () => {
      await ready();
      await tb.qci(['release', '4.18']); // logs in
      const env = {
        QCI_REGISTRY: tb.bed.proxy.host,
        QCI_TLS_VERIFY: 'false',
        QCI_RELEASE_CONTROLLER: world.rc.url,
      };
      const peakKiB = async (input: string) => {
        const r = await tb.pe.run(
          '/usr/bin/time',
          [
            '-f',
            'peak %M',
            process.execPath,
            QCI_BIN,
            'release',
            input,
            '--components',
          ],
          { env },
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.stdout).toContain(`cli        ${world.components.cli}`);
        return Number(/peak (\d+)/.exec(r.stderr)?.[1]);
      };
      const small = await peakKiB('4.18');
      const big = await peakKiB('4.15');
      console.log(
        `peak RSS: ${small} KiB (small top layer), ${big} KiB (128 MiB top layer)`,
      );
      // Holding the layer would cost at least its 128 MiB (a reader that kept it peaked 164 MiB
      // above the small payload); streaming costs buffers and GC slack, +29 to +50 MiB seen here for
      // 64, 128 and 192 MiB layers alike on a quiet and on a loaded machine.
      expect(big - small).toBeLessThan(96 * 1024);
    },
  );

  it.skipIf(!hasScript())(
    'on a terminal, reading the top layer shows its progress; off a terminal nothing',
    async () => {
      await ready();
      await tb.qci(['release', '4.18']); // logs in
      const args = [
        process.execPath,
        QCI_BIN,
        'release',
        '4.15',
        '--components',
      ];
      const r = await tb.pe.run('script', scriptArgs(args, 100, 30), {
        env: {
          QCI_REGISTRY: tb.bed.proxy.host,
          QCI_TLS_VERIFY: 'false',
          QCI_RELEASE_CONTROLLER: world.rc.url,
        },
      });
      expect(r.exitCode, r.stdout).toBe(0);
      expect(r.stdout).toMatch(
        /\rreading the payload's top layer: [\d.]+ MiB of 128 MiB/,
      );
      expect(r.stdout).toContain(`cli        ${world.components.cli}`);
      const piped = await tb.qci(['release', '4.15', '--components']);
      expect(piped.stderr).not.toContain('reading the payload');
    },
  );

  it('--no-login without a credential: QCI cannot be asked, so the controller is believed, with a warning', async () => {
    await ready();
    const r = await tb.qci(['release', '--json', '4.18', '--no-login']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: could not ask QCI for the release');
    expect(json(r.stdout)).toMatchObject({
      pullSpec: `${tb.bed.proxy.host}/openshift/ci:rc_payload__${CI}`,
      digest: null,
      qci: { present: null },
    });
  });

  it('--components of a payload outside QCI reads it where it is', async () => {
    await ready();
    const r = await tb.qci([
      'release',
      '4.18.0-0.nightly',
      '--component',
      'cli',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(world.components.cli);
  });

  it('qci exec gives a command reading "$(qci release 4.18)" a credential for it', async () => {
    await ready();
    const spec = (await tb.qci(['release', '4.18'])).stdout.trim();
    // skopeo reads REGISTRY_AUTH_FILE as oc adm release info does; logged out, it has no credential.
    await tb.pe.podmanOk(['logout', '--all']);
    const inspect = [
      'skopeo',
      'inspect',
      '--tls-verify=false',
      '--no-tags',
      `docker://${spec}`,
    ];
    const bare = await tb.pe.run(inspect[0]!, inspect.slice(1));
    expect(bare.stderr).toMatch(
      /unauthorized|authentication required|invalid username/i,
    );
    const r = await tb.qci(['exec', '--', ...inspect]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).Digest).toBe(world.payload.digest);
  });

  it('--pull of a payload outside QCI logs in to its registry and pulls it as it is', async () => {
    await ready();
    const r = await tb.qci(['release', '4.18.0-0.nightly', '--pull', '-q']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`logged in to ${tb.bed.registry.host}`);
    const images = await tb.pe.podman([
      'images',
      '--format',
      '{{.Repository}}:{{.Tag}}',
    ]);
    expect(images.stdout).toContain(
      `${tb.bed.registry.host}/ocp/release:${NIGHTLY}`,
    );
  });

  it('--pull of a payload outside QCI refuses an auth file that would hang podman, as qci pull does', async () => {
    await ready();
    // A FIFO where podman reads first; --no-login, so no login's own check stands in the way either.
    const fifo = tb.pe.authFiles.xdgRuntime;
    mkdirSync(dirname(fifo), { recursive: true });
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const r = await tb.qci(
      ['release', '4.18.0-0.nightly', '--pull', '--no-login', '-q'],
      {},
      { timeoutMs: 30_000 },
    );
    expect(r.signal ?? null).toBeNull(); // not killed at the timeout: it did not hang
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/is a FIFO, not a regular file/);
    expect(r.stderr).toMatch(/qci did not run podman/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe.skipIf(!tools.ok)('qci release errors (end to end)', () => {
  let world!: World;
  const tb = useReleaseBed(false, (w) => {
    world = w;
  });
  async function ready() {
    await tb.freshPodman();
    await tb.kubeconfigAtHome();
  }
  const error = (stdout: string) =>
    (
      JSON.parse(stdout) as {
        error: { kind: string; message: string; hint: string };
      }
    ).error;

  it('an unknown stream lists the streams the controller has, the likeliest first', async () => {
    await ready();
    const r = await tb.qci(['release', '--json', '4.18.0-0.nighly']);
    expect(r.exitCode).toBe(5);
    const e = error(r.stdout);
    expect(e.kind).toBe('unknown-stream');
    expect(e.message).toContain(
      'has no stream 4.18.0-0.nighly; it has 4.18.0-0.nightly, 4.23.0-0.ci, 4.20.0-0.nightly',
    );
    expect(e.hint).toContain('qci release 4.18.0-0.nightly ');
  });

  it('a stream with nothing accepted yet says so', async () => {
    await ready();
    const r = await tb.qci(['release', '4.23']);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain(
      'error: 4.23.0-0.ci has no accepted release yet',
    );
    expect(r.stderr).toContain('hint:');
  });

  it('a release gone from QCI that the controller still lists is pruned', async () => {
    await ready();
    const r = await tb.qci(['release', '--json', CI_OLDER]);
    expect(r.exitCode).toBe(5);
    const e = error(r.stdout);
    expect(e.kind).toBe('release-gone');
    expect(e.message).toContain(`${CI_OLDER} is no longer in QCI`);
    expect(e.hint).toBe("take the stream's latest: qci release 4.18.0-0.ci");
  });

  it('a release neither the controller nor QCI knows is gone', async () => {
    await ready();
    const r = await tb.qci(['release', '4.18.0-0.ci-2026-01-01-000000']);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain(
      'is gone: the release controller no longer lists it in 4.18.0-0.ci and QCI has no rc_payload__4.18.0-0.ci-2026-01-01-000000',
    );
  });

  it('an unreachable controller is exit 6 with the network as the next step', async () => {
    await ready();
    const r = await tb.qci(['release', '--json', '4.18'], {
      QCI_RELEASE_CONTROLLER: 'http://127.0.0.1:9',
    });
    expect(r.exitCode).toBe(6);
    const e = error(r.stdout);
    expect(e.message).toContain(
      'the release controller: cannot reach 127.0.0.1:9: connection refused',
    );
    expect(e.hint).toContain('check your network or VPN');
  });

  it('a controller that answers with something else than its API is named as such', async () => {
    await ready();
    world.rc.failWith = { status: 200, body: '<html>maintenance</html>' };
    try {
      const r = await tb.qci(['release', '4.18']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(
        'answered the latest release of 4.18.0-0.ci with something qci cannot read (not JSON)',
      );
    } finally {
      world.rc.failWith = undefined;
    }
  });

  it('a controller answer too big, or naming what qci cannot use, is refused before anything runs', async () => {
    await ready();
    world.rc.failWith = {
      status: 200,
      body: `{"name":"${'x'.repeat(17 * 1024 * 1024)}"}`,
    };
    try {
      const big = await tb.qci(['release', '--json', '4.18']);
      expect(big.exitCode).toBe(1);
      expect(error(big.stdout).message).toContain(
        'answered with more than 16 MiB',
      );
    } finally {
      world.rc.failWith = undefined;
    }
    world.rc.streams['4.30.0-0.ci'] = [
      {
        name: '4.30.0-0.ci-2026-01-01-000000',
        phase: 'Accepted',
        pullSpec: '--privileged x',
      },
    ];
    world.rc.streams['4.31.0-0.ci'] = [
      { name: '../../v2/_catalog', phase: 'Accepted', pullSpec: 'a/b:c' },
    ];
    tb.bed.proxy.clearRequests();
    const spec = await tb.qci(['release', '4.30', '--pull']);
    expect(spec.exitCode).toBe(1);
    expect(spec.stderr).toContain(
      'answered a pull spec qci cannot use ("--privileged x")',
    );
    const name = await tb.qci(['release', '4.31']);
    expect(name.exitCode).toBe(1);
    expect(name.stderr).toContain('answered a release name qci cannot use');
    expect(tb.bed.proxy.requests).toEqual([]);
  });

  it('--pull of a payload gone from the registry outside QCI says it was pruned', async () => {
    await tb.freshPodman({
      insecureRegistries: [tb.bed.proxy.host, tb.bed.registry.host],
    });
    await tb.kubeconfigAtHome();
    const r = await tb.qci(['release', '4.20.0-0.nightly', '--pull', '-q']);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain(
      `error: ${tb.bed.registry.host}/ocp/release:4.20.0-0.nightly-2026-11-20-000000 is gone from ${tb.bed.registry.host}: the release controller has pruned it`,
    );
    expect(r.stderr).toContain(
      "hint: take the stream's latest: qci release 4.20.0-0.nightly",
    );
  });

  it('a payload without image-references is not a release payload', async () => {
    await ready();
    const r = await tb.qci(['release', '--json', '4.16', '--components']);
    expect(r.exitCode).toBe(1);
    const e = error(r.stdout);
    expect(e.kind).toBe('no-image-references');
    expect(e.message).toContain(
      `${HOLLOW} has no release-manifests/image-references in its top layer`,
    );
  });

  it('refuses a malformed name and a conflicting --arch before asking anyone', async () => {
    await ready();
    world.rc.clearRequests();
    const bad = await tb.qci(['release', '../4.18']);
    expect(bad.exitCode).toBe(2);
    const arch = await tb.qci([
      'release',
      '4.18.0-0.nightly-arm64',
      '--arch',
      's390x',
    ]);
    expect(arch.exitCode).toBe(2);
    expect(arch.stderr).toContain('names arm64, and --arch says s390x');
    expect(world.rc.requests).toEqual([]);
  });
});

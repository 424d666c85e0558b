/**
 * qci inspect end to end: the real bin/qci reads the test bed's images through the quay-proxy stand-in with
 * the credential podman would send, and must agree with `skopeo inspect` (same auth files) on digest and
 * labels, for a single image and for a two-platform OCI index; and it must never list tags.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  DEFAULT_IMAGE_LABELS,
  TESTBED_TOOLS,
  requireTools,
  type PodmanEnv,
} from './testbed/index.js';
import { useTestBed, writeJson } from './testbed/fixture.js';
import { backendRequest } from './testbed/manifests.js';

const tools = requireTools(TESTBED_TOOLS);
const ARM_LABELS = {
  'io.openshift.build.commit.id': 'fedcba9876543210fedcba9876543210fedcba98',
  'io.openshift.build.source-location':
    'https://github.com/openshift/my-component-arm',
};

/** One request to the plain-HTTP backend registry (no auth). */
const backend = backendRequest;

const ACCEPT =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

describe.skipIf(!tools.ok)('qci inspect (end to end)', () => {
  let indexDigest: string;
  let amd64: { digest: string; mediaType: string; size: number };
  let arm64: { digest: string; mediaType: string; size: number };

  const tb = useTestBed({
    tags: ['ocp_4.7_my-component'],
    denyMode: 'auth-401',
    qciEnv: (bed) => ({
      QCI_REGISTRY: bed.proxy.host,
      QCI_TLS_VERIFY: 'false',
    }),
  });

  beforeAll(async () => {
    // A two-platform OCI index under ocp_4.8_multi: the bed's image as linux/amd64, another as linux/arm64.
    await tb.bed.pushImage({
      tags: ['arm-instance'],
      content: 'arm64 flavour\n',
      labels: ARM_LABELS,
    });
    const describe = async (tag: string) => {
      const r = await backend(
        tb.bed,
        'GET',
        `/v2/openshift/ci/manifests/${tag}`,
        {
          Accept: ACCEPT,
        },
      );
      return {
        digest: `sha256:${createHash('sha256').update(r.body).digest('hex')}`,
        mediaType: String(r.headers['content-type']),
        size: Buffer.byteLength(r.body),
      };
    };
    amd64 = await describe('ocp_4.7_my-component');
    arm64 = await describe('arm-instance');
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
        {
          ...arm64,
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        },
      ],
    });
    const put = await backend(
      tb.bed,
      'PUT',
      '/v2/openshift/ci/manifests/ocp_4.8_multi',
      { 'Content-Type': 'application/vnd.oci.image.index.v1+json' },
      index,
    );
    expect(put.status, put.body).toBe(201);
    indexDigest = `sha256:${createHash('sha256').update(index).digest('hex')}`;
  });
  afterEach(() => tb.bed.proxy.setDenyMode('auth-401'));

  async function loggedIn(): Promise<PodmanEnv> {
    const pe = await tb.freshPodman();
    const login = await pe.podman(
      ['login', '--password-stdin', '-u', tb.bed.user, tb.bed.proxy.host],
      { input: tb.bed.token },
    );
    expect(login.exitCode, login.stderr).toBe(0);
    return pe;
  }
  const { qci } = tb;
  const skopeo = async (ref: string, extra: string[] = []) => {
    const r = await tb.pe.skopeo([
      'inspect',
      '--no-tags',
      ...extra,
      `docker://${ref}`,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as {
      Digest: string;
      Labels: Record<string, string>;
      Created: string;
    };
  };

  it("agrees with skopeo inspect on digest and labels, with podman's credential, and never lists tags", async () => {
    await loggedIn();
    tb.bed.proxy.clearRequests();
    const r = await qci(['inspect', '--json', 'ocp/4.7:my-component']);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const theirs = await skopeo(tb.bed.ref());
    expect(report.digest).toBe(theirs.Digest);
    expect(report.digest).toBe(tb.bed.image.digest);
    expect(report.labels).toEqual(theirs.Labels);
    expect(report.labels).toMatchObject(DEFAULT_IMAGE_LABELS);
    expect(report.created).toBe(theirs.Created);
    expect(report).toMatchObject({
      pullSpec: `${tb.bed.proxy.host}/openshift/ci:ocp_4.7_my-component`,
      reference: 'ocp_4.7_my-component',
      isIndex: false,
      platform: 'linux/amd64',
      platformDigest: tb.bed.image.digest,
      scheme: 'http',
      credential: {
        source: 'auth-file',
        engine: 'podman',
        key: tb.bed.proxy.host,
        file: tb.pe.authFiles.xdgRuntime,
        user: tb.bed.user,
      },
    });
    expect(report.size).toBeGreaterThan(0);
    expect(JSON.stringify(report)).not.toContain(tb.bed.token);
    expect(tb.bed.proxy.requests.some((q) => q.path.includes('/tags/'))).toBe(
      false,
    );

    // The same in words, on stdout.
    const text = await qci([
      'inspect',
      `${tb.bed.proxy.host}/openshift/ci:ocp_4.7_my-component`,
    ]);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      `digest     ${tb.bed.image.digest}  (image manifest)`,
    );
    expect(text.stdout).toContain('platform   linux/amd64');
    expect(text.stdout).toContain(
      `labels     io.openshift.build.commit.id=${DEFAULT_IMAGE_LABELS['io.openshift.build.commit.id']}`,
    );
    expect(text.stdout).toContain(
      `           io.openshift.build.source-location=${DEFAULT_IMAGE_LABELS['io.openshift.build.source-location']}`,
    );
    expect(text.stdout).toContain(
      `auth       ${tb.bed.user} via ${tb.bed.proxy.host} in ~/../run/containers/auth.json`.replace(
        '~/../run',
        tb.pe.xdgRuntimeDir,
      ),
    );

    // By digest: the same image, its bytes checked against the digest asked for.
    const byDigest = await qci([
      'inspect',
      '--json',
      `${tb.bed.proxy.host}/openshift/ci@${tb.bed.image.digest}`,
    ]);
    expect(byDigest.exitCode, byDigest.stderr).toBe(0);
    expect(JSON.parse(byDigest.stdout)).toMatchObject({
      digest: tb.bed.image.digest,
      reference: tb.bed.image.digest,
      labels: DEFAULT_IMAGE_LABELS,
    });
  });

  it('the next inspect starts from what this one left: no challenge, no token request, the same answer', async () => {
    await loggedIn();
    // A machine qci has run on: its cache directory exists.
    mkdirSync(join(tb.pe.home, '.cache', 'qci'), {
      recursive: true,
      mode: 0o700,
    });
    const asked = async () => {
      tb.bed.proxy.clearRequests();
      const r = await qci(['inspect', '--json', 'ocp/4.7:my-component']);
      expect(r.exitCode, r.stderr).toBe(0);
      return {
        digest: JSON.parse(r.stdout).digest,
        seen: tb.bed.proxy.requests.map(
          (q) =>
            `${q.method} ${q.path.replace(/\/(manifests|blobs)\/.*/, '/$1/…')}`,
        ),
      };
    };
    const first = await asked();
    expect(first.seen.slice(0, 2)).toEqual(['GET /v2/', 'GET /v2/auth']);
    const second = await asked();
    expect(second.digest).toBe(first.digest);
    expect(second.seen).toEqual(first.seen.slice(2));
    expect(second.seen[0]).toBe('GET /v2/openshift/ci/manifests/…');
  });

  it("an index: the index digest (as skopeo reports it), every platform's digest, and --platform picks the instance", async () => {
    await loggedIn();
    const ref = tb.bed.ref('ocp_4.8_multi');
    const amd = JSON.parse(
      (await qci(['inspect', '--json', 'ocp/4.8:multi'])).stdout,
    );
    const theirsAmd = await skopeo(ref, ['--override-arch', 'amd64']);
    expect(amd.digest).toBe(indexDigest);
    expect(amd.digest).toBe(theirsAmd.Digest);
    expect(amd).toMatchObject({
      isIndex: true,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      platform: 'linux/amd64',
      platformDigest: amd64.digest,
    });
    expect(amd.platforms).toEqual([
      {
        platform: 'linux/amd64',
        digest: amd64.digest,
        mediaType: amd64.mediaType,
        size: amd64.size,
      },
      {
        platform: 'linux/arm64/v8',
        digest: arm64.digest,
        mediaType: arm64.mediaType,
        size: arm64.size,
      },
    ]);
    expect(amd.labels).toEqual(theirsAmd.Labels);

    const arm = JSON.parse(
      (
        await qci([
          'inspect',
          '--json',
          '--platform',
          'linux/arm64',
          'ocp/4.8:multi',
        ])
      ).stdout,
    );
    const theirsArm = await skopeo(ref, [
      '--override-arch',
      'arm64',
      '--override-variant',
      'v8',
    ]);
    expect(arm.digest).toBe(theirsArm.Digest);
    expect(arm.platformDigest).toBe(arm64.digest);
    expect(arm.labels).toEqual(theirsArm.Labels);
    expect(arm.labels).toEqual(ARM_LABELS);
    // The architecture's other name, as podman and docker read --platform: the same instance.
    const aarch64 = JSON.parse(
      (
        await qci([
          'inspect',
          '--json',
          '--platform',
          'linux/aarch64',
          'ocp/4.8:multi',
        ])
      ).stdout,
    );
    expect(aarch64.platformDigest).toBe(arm64.digest);
    expect(aarch64.platform).toBe('linux/arm64/v8');

    const text = await qci(['inspect', 'ocp/4.8:multi']);
    expect(text.stdout).toContain(`digest     ${indexDigest}  (image index)`);
    expect(text.stdout).toContain(
      `platforms  linux/amd64     ${amd64.digest}  (shown below)`,
    );
    expect(text.stdout).toContain(
      `           linux/arm64/v8  ${arm64.digest}\n`,
    );

    const missing = await qci([
      'inspect',
      '--platform',
      'linux/s390x',
      'ocp/4.8:multi',
    ]);
    expect(missing.exitCode).toBe(5);
    expect(missing.stderr).toContain(
      'has no linux/s390x image; it has linux/amd64, linux/arm64/v8',
    );
  });

  it('a credential helper named in credHelpers is asked, as podman would', async () => {
    await tb.freshPodman();
    const bin = join(tb.pe.dir, 'bin');
    mkdirSync(bin);
    const helper = join(bin, 'docker-credential-stubqci');
    writeFileSync(
      helper,
      `#!/bin/sh\nread host\n[ "$1" = get ] && [ "$host" = "${tb.bed.proxy.host}" ] && printf '{"ServerURL":"%s","Username":"helped","Secret":"%s"}' "$host" "${tb.bed.token}" && exit 0\necho "credentials not found in native keychain"; exit 1\n`,
    );
    chmodSync(helper, 0o755);
    writeJson(tb.pe.authFiles.xdgRuntime, {
      auths: {},
      credHelpers: { [tb.bed.proxy.host]: 'stubqci' },
    });
    const env = { PATH: `${bin}:${tb.pe.env.PATH}` };
    const r = await qci(['inspect', '--json', 'ocp/4.7:my-component'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      digest: tb.bed.image.digest,
      credential: { source: 'helper', helper: 'stubqci', user: 'helped' },
    });
    expect(r.stdout + r.stderr).not.toContain(tb.bed.token);
  });

  it.each([
    [
      'no credential: podman would pull anonymously and be refused',
      async () => ({}),
      [] as string[],
      3,
      // It tries to log in, as pull does; without a kubeconfig that says what to run.
      /needs a login to read openshift\/ci, and podman has no credential for it; logging in\nerror: no kubeconfig found[\s\S]*hint: .*qci login --web/,
    ],
    [
      'an expired token in ~/.docker/config.json',
      async () => {
        const stale = tb.bed.appci.createToken(tb.bed.user);
        tb.bed.appci.expireToken(stale);
        tb.storeCredential(tb.pe.authFiles.docker, stale);
        return {};
      },
      [],
      3,
      /rejected the credential podman would send \(\S+ in ~\/\.docker\/config\.json\): its app\.ci token has expired or was revoked/,
    ],
    [
      'a user without QCI access, where the registry answers 403',
      async () => {
        const t = tb.bed.appci.createToken('mallory');
        tb.bed.appci.denyQciAccess('mallory');
        tb.bed.proxy.setDenyMode('registry-403');
        tb.storeCredential(tb.pe.authFiles.xdgRuntime, t, 'mallory');
        return {};
      },
      [],
      4,
      /denied access to openshift\/ci/,
    ],
    [
      'a tag that does not exist',
      async () => ({}),
      ['ocp/4.7:nope'],
      5,
      /not found: \S+\/openshift\/ci has no tag ocp_4\.7_nope/,
    ],
    [
      'an unreachable registry',
      async () => ({ QCI_REGISTRY: '127.0.0.1:1' }),
      ['quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_x'],
      6,
      /cannot reach 127\.0\.0\.1:1: connection refused/,
    ],
    ['a malformed reference', async () => ({}), ['ocp/4.7'], 2, /missing tag/],
  ])('%s', async (_name, setup, args, code, message) => {
    const needsLogin = code === 5;
    if (needsLogin) await loggedIn();
    else await tb.freshPodman();
    const env = await setup();
    const r = await qci(
      ['inspect', ...(args.length ? args : ['ocp/4.7:my-component'])],
      env,
    );
    expect(r.exitCode, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

/**
 * qci pull-secret --apply end to end: the real bin/qci, through @kubernetes/client-node over HTTPS, puts
 * the pull secret into a fake target cluster (testbed/cluster.ts): OpenShift's global pull secret merged
 * with every other registry kept, a kubernetes.io/dockerconfigjson Secret linked to a ServiceAccount
 * elsewhere; --dry-run writes nothing, and app.ci's own context is refused before any token is minted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { watchCommandLines } from './argv-watch.js';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { startFakeCluster, type FakeCluster } from './testbed/cluster.js';
import { b64, useTestBed } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);
const PROJECT = 'my-project';
const SA = `${PROJECT}/image-puller`;
const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson';
const INSTALLER = {
  auths: {
    'cloud.openshift.com': { auth: b64('rh:cloud-secret'), email: 'a@b.c' },
    'quay.io': { auth: b64('rh:quay-secret'), email: 'a@b.c' },
  },
};
const encoded = (json: unknown) =>
  Buffer.from(JSON.stringify(json)).toString('base64');

describe.skipIf(!tools.ok)('qci pull-secret --apply (end to end)', () => {
  let cluster: FakeCluster;
  const tb = useTestBed({
    setup: async (bed) => {
      bed.appci.addServiceAccount(PROJECT, 'image-puller');
      cluster = await startFakeCluster(bed.dir);
    },
  });
  afterAll(async () => cluster?.stop());
  const { qci } = tb;
  /** A fresh podman home with the app.ci kubeconfig, and the target's kubeconfig beside it. */
  const fresh = async () => {
    await tb.freshPodman();
    cluster.reset();
    return {
      KUBECONFIG: await tb.kubeconfigAtHome(),
      target: await cluster.kubeconfig({ context: 'my-cluster' }),
    };
  };
  /** `qci pull-secret --apply` into Secret NS/qci-pull of the target, linked to `link` when given. */
  const applySecret = (
    env: { KUBECONFIG: string; target: string },
    namespace: string,
    link?: string,
    ...more: string[]
  ) =>
    qci(
      [
        'pull-secret',
        '--apply',
        '--kubeconfig',
        env.target,
        '--namespace',
        namespace,
        '--name',
        'qci-pull',
        ...(link ? ['--link-service-account', link] : []),
        ...more,
      ],
      { KUBECONFIG: env.KUBECONFIG },
    );
  const decode = (auth: string) => Buffer.from(auth, 'base64').toString('utf8');

  it('OpenShift: --dry-run changes nothing; then exactly openshift-config/pull-secret is replaced, every other registry kept', async () => {
    const { KUBECONFIG, target } = await fresh();
    const kept = {
      labels: { 'app.kubernetes.io/managed-by': 'installer' },
      annotations: { 'kubernetes.io/description': 'the global pull secret' },
    };
    cluster.putSecret(
      'openshift-config',
      'pull-secret',
      DOCKERCONFIGJSON,
      { '.dockerconfigjson': encoded(INSTALLER) },
      kept,
    );
    const before = structuredClone(
      cluster.secret('openshift-config', 'pull-secret'),
    );
    const args = [
      'pull-secret',
      '--service-account',
      SA,
      '--apply',
      '--kubeconfig',
      target,
    ];
    const dry = await qci([...args, '--dry-run', '--json'], { KUBECONFIG });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(cluster.writes()).toEqual([]);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      source: 'service-account',
      destination: 'apply',
      dryRun: true,
      written: {
        context: 'my-cluster',
        kind: 'openshift',
        secret: 'openshift-config/pull-secret',
        created: false,
        changed: true,
        changes: expect.arrayContaining([
          expect.objectContaining({ key: 'quay.io', change: 'kept' }),
          expect.objectContaining({
            key: tb.bed.proxy.host,
            change: 'added',
            after: expect.stringMatching(/^my-project\/image-puller:eyJh…$/),
          }),
        ]),
      },
    });
    expect(cluster.secret('openshift-config', 'pull-secret')).toEqual(before);
    expect(dry.stderr).toContain(
      'would update secret openshift-config/pull-secret',
    );
    expect(dry.stderr).toMatch(
      /\+ 127\.0\.0\.1:\d+\s+my-project\/image-puller:eyJh…/,
    );
    expect(dry.stderr).toMatch(/= quay\.io\s+kept as it is/);

    const watch = watchCommandLines();
    const r = await qci(args, { KUBECONFIG });
    const seen = await watch.stop();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(cluster.writes().map((w) => `${w.method} ${w.path}`)).toEqual([
      'PUT /api/v1/namespaces/openshift-config/secrets/pull-secret',
    ]);
    const after = cluster.dockerConfig('openshift-config', 'pull-secret') as {
      auths: Record<string, { auth: string }>;
    };
    expect(after.auths['cloud.openshift.com']).toEqual(
      INSTALLER.auths['cloud.openshift.com'],
    );
    expect(after.auths['quay.io']).toEqual(INSTALLER.auths['quay.io']);
    const [user, token] = decode(
      after.auths[tb.bed.proxy.host]?.auth ?? '',
    ).split(/:(.*)/s);
    expect(user).toBe(SA);
    expect(tb.bed.appci.tokenReview(token ?? '').username).toBe(
      `system:serviceaccount:${PROJECT}:image-puller`,
    );
    expect(r.stderr).toContain('updated secret openshift-config/pull-secret');
    expect(
      cluster.secret('openshift-config', 'pull-secret')?.metadata,
    ).toMatchObject(kept);
    for (const text of [r.stderr, r.stdout, dry.stderr, ...seen])
      expect(text).not.toContain(token);
  });

  it('Kubernetes: a dockerconfigjson Secret made and linked to the ServiceAccount once; a second run changes nothing', async () => {
    const env = await fresh();
    const { KUBECONFIG, target } = env;
    cluster.putServiceAccount('ci', 'default', ['existing']);
    const bare = await qci(['pull-secret', '--apply', '--kubeconfig', target], {
      KUBECONFIG,
    });
    expect(bare.exitCode).toBe(5);
    expect(bare.stderr).toContain('has no secret openshift-config/pull-secret');
    expect(bare.stderr).toContain('--namespace NS --name NAME');

    const dry = await applySecret(env, 'ci', 'default', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('would create secret ci/qci-pull');
    expect(dry.stderr).toContain(
      "would add qci-pull to serviceaccount default's imagePullSecrets",
    );
    expect(cluster.writes()).toEqual([]);

    const r = await applySecret(env, 'ci', 'default');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(
      cluster.writes().map((w) => `${w.method} ${w.path} ${w.status}`),
    ).toEqual([
      'POST /api/v1/namespaces/ci/secrets 201',
      'PUT /api/v1/namespaces/ci/serviceaccounts/default 200',
    ]);
    expect(cluster.secret('ci', 'qci-pull')?.type).toBe(DOCKERCONFIGJSON);
    const json = cluster.dockerConfig('ci', 'qci-pull') as {
      auths: Record<string, { auth: string }>;
    };
    expect(decode(json.auths[tb.bed.proxy.host]?.auth ?? '')).toBe(
      `${tb.bed.user}:${tb.bed.token}`,
    );
    expect(cluster.serviceAccount('ci', 'default')?.imagePullSecrets).toEqual([
      { name: 'existing' },
      { name: 'qci-pull' },
    ]);

    cluster.clearRequests();
    const again = await applySecret(env, 'ci', 'default');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(cluster.writes()).toEqual([]);
    expect(again.stderr).toContain('already holds this pull secret');
    expect(again.stderr).toContain(
      'serviceaccount default already lists qci-pull',
    );
  });

  it("app.ci's own context is refused before a token is minted; a missing ServiceAccount changes nothing", async () => {
    const env = await fresh();
    const { KUBECONFIG } = env;
    tb.bed.appci.clearRequests();
    const r = await qci(['pull-secret', '--service-account', SA, '--apply'], {
      KUBECONFIG,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("is app.ci's cluster");
    expect(r.stderr).toContain('--allow-app-ci');
    expect(
      tb.bed.appci.requests.filter((q) => q.path.endsWith('/token')),
    ).toEqual([]);

    cluster.putServiceAccount('other', 'default');
    const missing = await applySecret(env, 'other', 'builder');
    expect(missing.exitCode).toBe(5);
    expect(missing.stderr).toContain(
      'serviceaccount other/builder does not exist',
    );
    expect(cluster.writes()).toEqual([]);
  });

  it('a namespace the user may not touch: 403 explained, exit 4, nothing written (the token read from a tokenFile)', async () => {
    const env = {
      ...(await fresh()),
      // kubectl's tokenFile, which client-node alone ignores: without the token this would be a 401.
      target: await cluster.kubeconfig({ context: 'by-file', tokenFile: true }),
    };
    cluster.forbid('locked');
    const r = await applySecret(env, 'locked');
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(
      'does not allow you to read secret locked/qci-pull (403 Forbidden)',
    );
    expect(cluster.writes()).toEqual([]);
  });
});

/**
 * qci job-image --list / --pull end to end: the fake app.ci stands in for the build farm's API (a kube
 * context named build02), and the registry behind the auth layer for its registry (QCI_FARM_REGISTRY).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);
const NS = 'ci-op-2c2tvgti';

describe.skipIf(!tools.ok)('qci job-image --list / --pull (end to end)', () => {
  const tb = useTestBed({
    qciEnv: (bed) => ({ QCI_FARM_REGISTRY: bed.proxy.host }),
    setup: async (bed) => {
      await bed.pushImage({
        repository: `${NS}/pipeline`,
        tags: ['src', 'bin'],
      });
      bed.appci.setImageStreamTags(NS, 'pipeline', ['src', 'bin']);
    },
  });
  let log: string;

  async function fresh() {
    const pe = await tb.freshPodman();
    log = `${pe.dir}/build-log.txt`;
    writeFileSync(
      log,
      `2020/11/20 14:12:28 Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/${NS}\n`,
    );
  }
  const qci = (args: string[], env: Record<string, string | undefined>) =>
    tb.qci(['job-image', ...args], env);

  it('--list lists the pipeline images through the build02 context', async () => {
    await fresh();
    const r = await qci(['--list', log], {
      KUBECONFIG: await tb.bed.appci.kubeconfig({
        token: tb.bed.token,
        context: 'build02',
      }),
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `${tb.bed.proxy.host}/${NS}/pipeline:src\n${tb.bed.proxy.host}/${NS}/pipeline:bin\n`,
    );
  });

  it('--pull logs in to the farm registry with that context token (on stdin) and pulls', async () => {
    await fresh();
    const r = await qci(['--pull', '--tag', 'bin', log], {
      KUBECONFIG: await tb.bed.appci.kubeconfig({
        token: tb.bed.token,
        context: 'build02',
      }),
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `logged in to ${tb.bed.proxy.host} as ${tb.bed.user} (kube context "build02")`,
    );
    expect(r.stdout + r.stderr).not.toContain(tb.bed.token);
    const images = await tb.pe.podman([
      'images',
      '--format',
      '{{.Repository}}:{{.Tag}}',
    ]);
    expect(images.stdout).toContain(`${tb.bed.proxy.host}/${NS}/pipeline:bin`);
  });

  it('someone who is not the author is told only the author may pull', async () => {
    await fresh();
    const t = tb.bed.appci.createToken('not-the-author');
    tb.bed.appci.denyQciAccess('not-the-author');
    tb.bed.proxy.setDenyMode('registry-403');
    try {
      const r = await qci(['--pull', log], {
        KUBECONFIG: await tb.bed.appci.kubeconfig({
          token: t,
          context: 'build02',
        }),
      });
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toContain("only the pull request's author may pull");
    } finally {
      tb.bed.proxy.setDenyMode('auth-403');
    }
  });

  it('no build02 context: a clear error saying how to log in; a gone namespace: "probably gone"', async () => {
    await fresh();
    const none = await qci(['--list', log], {
      KUBECONFIG: await tb.bed.appci.kubeconfig({
        token: tb.bed.token,
        context: 'app.ci',
      }),
    });
    expect(none.exitCode).toBe(3);
    expect(none.stderr).toContain('no kube context for build02');
    expect(none.stderr).toContain('https://console.build02.ci.openshift.org');
    // No kubeconfig at all: the same build-farm login, not app.ci's.
    const noFile = await qci(['--list', log], {
      KUBECONFIG: join(tb.bed.podman.env.HOME!, 'no-such-kubeconfig'),
    });
    expect(noFile.exitCode).toBe(3);
    expect(noFile.stderr).toContain('no kubeconfig found');
    expect(noFile.stderr).toContain(
      'log in to build02 with oc (https://console.build02.ci.openshift.org',
    );
    expect(noFile.stderr).not.toContain('qci login');
    writeFileSync(
      log,
      '2020/11/20 14:12:28 Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-gone\n',
    );
    const gone = await qci(['--list', log], {
      KUBECONFIG: await tb.bed.appci.kubeconfig({
        token: tb.bed.token,
        context: 'build02',
      }),
    });
    expect(gone.exitCode).toBe(5);
    expect(gone.stderr).toContain(
      'ci-op-gone has no pipeline image stream on build02: the namespace is probably gone',
    );
  });
});

/**
 * "-quay" image streams: ci-tools serves app.ci's NS/STREAM-quay:TAG from the QCI tag NS_STREAM_TAG
 * (ci-tools pkg/steps/release/promote.go quayProxyTagFromISKey). The real bin/qci maps, inspects, pulls
 * and rewrites ocp/4.23-quay:cli as ocp_4.23_cli, against a test bed that has only that tag.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);
const QUAY_STREAM = 'ocp/4.23-quay:cli';
const QCI_TAG = 'ocp_4.23_cli';

describe.skipIf(!tools.ok)('"-quay" image streams (end to end)', () => {
  const tb = useTestBed({
    tags: [QCI_TAG],
    denyMode: 'auth-401',
    qciEnv: (bed) => ({
      QCI_REGISTRY: bed.proxy.host,
      QCI_TLS_VERIFY: 'false',
    }),
  });
  const fresh = () => tb.freshPodman();
  const qci = (args: string[], env: Record<string, string | undefined> = {}) =>
    tb.qci(args, env);

  it('pullspec: the QCI tag drops "-quay", says why, and the reverse mapping names the "-quay" stream', async () => {
    await fresh();
    const r = await qci(['pullspec', QUAY_STREAM]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${tb.bed.proxy.host}/openshift/ci:${QCI_TAG}\n`);
    expect(r.stderr).toContain(
      `ocp/4.23-quay is a "-quay" image stream: ci-tools serves its tags from the QCI tags of ocp/4.23, here ${QCI_TAG} (ocp/4.23:cli)`,
    );

    const json = await qci([
      'pullspec',
      '--json',
      QUAY_STREAM,
      `quay.io/openshift/ci:${QCI_TAG}`,
    ]);
    expect(json.exitCode, json.stderr).toBe(0);
    const [named, back] = JSON.parse(json.stdout);
    expect(named).toMatchObject({
      name: '4.23-quay',
      qciTag: QCI_TAG,
      directSpec: `quay.io/openshift/ci:${QCI_TAG}`,
      quayStream: QUAY_STREAM,
    });
    expect(back).toMatchObject({
      namespace: 'ocp',
      name: '4.23',
      tag: 'cli',
      quayStream: QUAY_STREAM,
    });
  });

  it('inspect reads the image under ocp_4.23_cli', async () => {
    await fresh();
    const login = await tb.pe.podman(
      ['login', '--password-stdin', '-u', tb.bed.user, tb.bed.proxy.host],
      { input: tb.bed.token },
    );
    expect(login.exitCode, login.stderr).toBe(0);
    const r = await qci(['inspect', '--json', QUAY_STREAM]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      pullSpec: `${tb.bed.proxy.host}/openshift/ci:${QCI_TAG}`,
      reference: QCI_TAG,
      digest: tb.bed.image.digest,
      imageStreamTag: { namespace: 'ocp', name: '4.23-quay', tag: 'cli' },
    });
  });

  it('pull pulls ocp_4.23_cli', async () => {
    await fresh();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const r = await qci(['pull', '--quiet', QUAY_STREAM], {
      KUBECONFIG: kubeconfig,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const images = await tb.pe.podman([
      'images',
      '--format',
      '{{.Repository}}:{{.Tag}}',
    ]);
    expect(images.stdout).toContain(
      `${tb.bed.proxy.host}/openshift/ci:${QCI_TAG}`,
    );
  });

  it('rewrite replaces an old reference to a "-quay" stream with ocp_4.23_cli', async () => {
    await fresh();
    const tree = join(tb.pe.dir, 'tree');
    mkdirSync(tree);
    const dockerfile = join(tree, 'Dockerfile');
    writeFileSync(
      dockerfile,
      'FROM registry.ci.openshift.org/ocp/4.23-quay:cli\nRUN oc version\n',
    );
    const r = await qci(['rewrite', '--write', tree], {
      QCI_REGISTRY: undefined,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(dockerfile, 'utf8')).toBe(
      `FROM quay-proxy.ci.openshift.org/openshift/ci:${QCI_TAG}\nRUN oc version\n`,
    );
  });
});

/**
 * Digests end to end: --pin on qci inspect and qci pullspec prints the pull spec pinned to what the tag
 * points at now (a two-platform index built in the test registry: its own digest, or with --platform that
 * platform's), podman pulls it, and qci pull of a platform the index lacks names the ones it has, exits 5
 * and pulls nothing.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';
import { QCI_BIN as QCI, scriptArgs } from '../helpers/pty.js';
import { putIndex } from './testbed/manifests.js';
import { podmanLoggedIn } from './testbed/local-images.js';

const tools = requireTools([...TESTBED_TOOLS, 'script']);

describe.skipIf(!tools.ok)('digests: --pin and platforms (end to end)', () => {
  let index: Awaited<ReturnType<typeof putIndex>>;
  const tb = useTestBed({
    tags: ['ocp_4.7_my-component'],
    qciEnv: (bed) => ({
      QCI_REGISTRY: bed.proxy.host,
      QCI_TLS_VERIFY: 'false',
    }),
  });

  beforeAll(async () => {
    await tb.bed.pushImage({
      tags: ['arm-instance'],
      content: 'arm64 flavour\n',
    });
    index = await putIndex(tb.bed, 'ocp_4.8_multi', [
      {
        tag: 'ocp_4.7_my-component',
        platform: { os: 'linux', architecture: 'amd64' },
      },
      {
        tag: 'arm-instance',
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      },
    ]);
  });

  const loggedIn = () => podmanLoggedIn(tb);
  const pinned = (digest: string) =>
    `${tb.bed.proxy.host}/openshift/ci@${digest}`;

  it("--pin prints the index's digest, and --platform that platform's manifest digest", async () => {
    await loggedIn();
    const plain = await tb.qci(['inspect', '--pin', 'ocp/4.8:multi']);
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(`${pinned(index.digest)}\n`);
    const arm = await tb.qci([
      'inspect',
      '--pin',
      '--platform',
      'linux/arm64',
      'ocp/4.8:multi',
    ]);
    expect(arm.exitCode, arm.stderr).toBe(0);
    expect(arm.stdout).toBe(`${pinned(index.instances[1]!.digest)}\n`);
    const json = JSON.parse(
      (await tb.qci(['inspect', '--json', 'ocp/4.8:multi'])).stdout,
    );
    expect(json.pinnedPullSpec).toBe(pinned(index.digest));
    expect(json.platformPullSpec).toBe(pinned(index.instances[0]!.digest));
  });

  it('pullspec --pin pins each reference, one a line, and podman pulls what it prints', async () => {
    const pe = await loggedIn();
    const r = await tb.qci([
      'pullspec',
      '--pin',
      'ocp/4.8:multi',
      'ocp/4.7:my-component',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      pinned(index.digest),
      pinned(tb.bed.image.digest),
      '',
    ]);
    const arm = await tb.qci([
      'pullspec',
      '--pin',
      '--platform',
      'linux/arm64',
      'ocp/4.8:multi',
    ]);
    expect(arm.stdout.trim()).toBe(pinned(index.instances[1]!.digest));
    const pull = await pe.podman([
      'pull',
      '-q',
      '--tls-verify=false',
      pinned(index.digest),
    ]);
    expect(pull.exitCode, pull.stderr).toBe(0);
  });

  it('pullspec --pin of several references asks the token realm once, nothing kept from before', async () => {
    const pe = await loggedIn();
    const cache = join(pe.home, '.cache', 'qci');
    for (const file of ['registry-tokens.json', 'registry-challenges.json'])
      rmSync(join(cache, file), { force: true });
    tb.bed.proxy.clearRequests();
    const r = await tb.qci([
      'pullspec',
      '--pin',
      'ocp/4.8:multi',
      'ocp/4.7:my-component',
      'ocp/4.7:no-such-thing',
      'ocp/4.7:my-component',
    ]);
    expect(r.exitCode, r.stderr).toBe(5);
    expect(r.stdout.split('\n')).toEqual([
      pinned(index.digest),
      pinned(tb.bed.image.digest),
      pinned(tb.bed.image.digest),
      '',
    ]);
    expect(r.stderr).toContain('ocp_4.7_no-such-thing');
    const asked = tb.bed.proxy.requests.map((q) => q.path);
    expect(asked.filter((p) => p === '/v2/auth')).toHaveLength(1);
    // The index and its amd64 manifest, my-component twice, the missing tag.
    expect(asked.filter((p) => p.includes('/manifests/'))).toHaveLength(5);
  });

  it('pullspec --pin of a tag QCI lacks: exit 5, the tag named, nothing on stdout', async () => {
    await loggedIn();
    const r = await tb.qci(['pullspec', '--pin', 'ocp/4.7:no-such-thing']);
    expect(r.exitCode).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ocp_4.7_no-such-thing');
    const json = await tb.qci([
      'pullspec',
      '--json',
      '--pin',
      'ocp/4.7:no-such-thing',
    ]);
    expect(JSON.parse(json.stdout)[0].error.kind).toBe('not-found');
  });

  it('pull of a platform the index lacks: names the platforms it has, exit 5, nothing pulled', async () => {
    const pe = await loggedIn();
    for (const json of [false, true]) {
      const r = await tb.qci([
        'pull',
        ...(json ? ['--json'] : []),
        '--platform',
        'linux/s390x',
        'ocp/4.8:multi',
      ]);
      expect(r.exitCode, r.stderr).toBe(5);
      expect(r.stderr).toContain('linux/amd64, linux/arm64/v8');
      if (json)
        expect(JSON.parse(r.stdout).results[0].cause).toBe('platform-missing');
    }
    const images = await pe.podman(['images', '--format', 'json']);
    expect(JSON.parse(images.stdout)).toEqual([]);
  });

  it('on a terminal too (the cause read from the registry, not from podman): the platforms named, exit 5', async () => {
    const pe = await loggedIn();
    const r = await pe.run(
      'script',
      scriptArgs(
        [
          process.execPath,
          QCI,
          'pull',
          '--platform',
          'linux/s390x',
          'ocp/4.8:multi',
        ],
        100,
        30,
      ),
      { env: { QCI_REGISTRY: tb.bed.proxy.host, QCI_TLS_VERIFY: 'false' } },
    );
    expect(r.exitCode, r.stdout).toBe(5);
    expect(r.stdout).toContain('it has linux/amd64, linux/arm64/v8');
  });
});

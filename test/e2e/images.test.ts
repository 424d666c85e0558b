/**
 * qci images end to end (real registry, real podman): the QCI images in podman's store and whether QCI's
 * tags still point at them: current; stale after a new image is pushed under the same tag (dated by the new
 * image's created time), and --pull-stale brings the new digest; gone after the tag's manifest is deleted;
 * pinned when pulled by digest. Asked with manifest HEADs only: no blob while nothing is stale.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  TESTBED_TOOLS,
  requireTools,
  type PushedImage,
} from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';
import { startFarFront } from './testbed/latency.js';
import { deleteManifest, putIndex } from './testbed/manifests.js';
import { podmanLoggedIn, repoDigestsOf } from './testbed/local-images.js';

const tools = requireTools(TESTBED_TOOLS);

interface Row {
  pullSpec: string;
  imageStreamTag: string | null;
  state: string;
  qciDigest: string | null;
  localDigests: string[];
  movedAt: string | null;
  movedSource: string | null;
}

describe.skipIf(!tools.ok)('qci images (end to end)', () => {
  let doomed: PushedImage;
  let arm: PushedImage;
  const tb = useTestBed({
    tags: ['ocp_4.7_my-component', 'ocp_4.9_mover'],
    qciEnv: (bed) => ({
      QCI_REGISTRY: bed.proxy.host,
      QCI_TLS_VERIFY: 'false',
    }),
  });

  beforeAll(async () => {
    doomed = await tb.bed.pushImage({
      tags: ['ocp_4.9_doomed'],
      content: 'doomed\n',
    });
    arm = await tb.bed.pushImage({
      tags: ['arm-instance'],
      content: 'arm64 flavour\n',
    });
    await putIndex(tb.bed, 'ocp_4.8_multi', [
      {
        tag: 'ocp_4.7_my-component',
        platform: { os: 'linux', architecture: 'amd64' },
      },
      { tag: 'arm-instance', platform: { os: 'linux', architecture: 'arm64' } },
    ]);
  });

  async function pulledAll() {
    const pe = await podmanLoggedIn(tb);
    for (const tag of [
      'ocp_4.7_my-component',
      'ocp_4.9_mover',
      'ocp_4.9_doomed',
      'ocp_4.8_multi',
    ]) {
      const r = await pe.podman(['pull', '-q', tb.bed.ref(tag)]);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    const pin = await pe.podman([
      'pull',
      '-q',
      `${tb.bed.proxy.host}/openshift/ci@${arm.digest}`,
    ]);
    expect(pin.exitCode, pin.stderr).toBe(0);
    return pe;
  }
  const images = async () => {
    const r = await tb.qci(['images', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { images: Row[] };
    return Object.fromEntries(
      report.images.map((i) => [i.imageStreamTag ?? i.pullSpec, i]),
    ) as Record<string, Row>;
  };

  it('current, stale (dated), gone and pinned; --pull-stale brings the new digest', async () => {
    const pe = await pulledAll();
    tb.bed.proxy.clearRequests();
    const before = await images();
    expect(
      Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.state])),
    ).toEqual({
      'ocp/4.7:my-component': 'current',
      'ocp/4.9:mover': 'current',
      'ocp/4.9:doomed': 'current',
      'ocp/4.8:multi': 'current',
      [`${tb.bed.proxy.host}/openshift/ci@${arm.digest}`]: 'pinned',
    });
    // Nothing downloaded: a challenge, a token, and one HEAD per tag and pinned digest.
    const seen = tb.bed.proxy.requests;
    expect(seen.filter((r) => r.path.includes('/blobs/'))).toEqual([]);
    expect(
      seen.filter((r) => r.path.includes('/manifests/')).map((r) => r.method),
    ).toEqual(['HEAD', 'HEAD', 'HEAD', 'HEAD', 'HEAD']);

    const moved = await tb.bed.pushImage({
      tags: ['ocp_4.9_mover'],
      content: 'moved on\n',
    });
    await deleteManifest(tb.bed, doomed.digest);
    const after = await images();
    expect(after['ocp/4.9:mover']).toMatchObject({
      state: 'stale',
      qciDigest: moved.digest,
      movedSource: 'created',
    });
    expect(
      Date.now() - Date.parse(after['ocp/4.9:mover']!.movedAt!),
    ).toBeLessThan(600_000);
    expect(after['ocp/4.9:doomed']!.state).toBe('gone');
    expect(after['ocp/4.7:my-component']!.state).toBe('current');

    const text = await tb.qci(['images']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /ocp\/4\.9:mover\s.*stale \(QCI's tag now points at an image built \d+ seconds? ago\)/,
    );
    expect(text.stdout).toMatch(
      /ocp\/4\.9:doomed\s.*gone \(QCI has no such tag now\)/,
    );
    expect(text.stdout).toMatch(/ocp\/4\.8:multi\s.*current/);

    const pull = await tb.qci(['images', '--pull-stale']);
    expect(pull.exitCode, pull.stderr).toBe(0);
    const local = await repoDigestsOf(
      (a) => pe.podman(a),
      tb.bed.ref('ocp_4.9_mover'),
    );
    expect(local).toContain(moved.digest);
    expect((await images())['ocp/4.9:mover']!.state).toBe('current');
  });

  it('no QCI image in the store (and no credential): says so, exit 0', async () => {
    await tb.freshPodman();
    const r = await tb.qci(['images']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`podman has no image from ${tb.bed.proxy.host}`);
  });

  it('pull --if-stale: a current image is not pulled (one HEAD, its ID on stdout); a moved or missing one is', async () => {
    const first = await tb.bed.pushImage({
      tags: ['ocp_4.9_script'],
      content: 'script v1\n',
    });
    const pe = await podmanLoggedIn(tb);
    const missing = await tb.qci([
      'pull',
      '-q',
      '--if-stale',
      'ocp/4.9:script',
    ]);
    expect(missing.exitCode, missing.stderr).toBe(0);
    const id = missing.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    tb.bed.proxy.clearRequests();
    const again = await tb.qci(['pull', '-q', '--if-stale', 'ocp/4.9:script']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(id);
    expect(again.stderr).toContain('ocp/4.9:script: current');
    const manifests = tb.bed.proxy.requests.filter((r) =>
      r.path.includes('/manifests/'),
    );
    expect(manifests.map((r) => r.method)).toEqual(['HEAD']);

    const json = JSON.parse(
      (await tb.qci(['pull', '--json', '--if-stale', 'ocp/4.9:script'])).stdout,
    );
    expect(json.results[0]).toMatchObject({
      ok: true,
      current: true,
      imageId: id,
    });

    const second = await tb.bed.pushImage({
      tags: ['ocp_4.9_script'],
      content: 'script v2\n',
    });
    const moved = await tb.qci(['pull', '-q', '--if-stale', 'ocp/4.9:script']);
    expect(moved.exitCode, moved.stderr).toBe(0);
    expect(moved.stdout.trim()).not.toBe(id);
    const local = await repoDigestsOf(
      (a) => pe.podman(a),
      tb.bed.ref('ocp_4.9_script'),
    );
    expect(local).toContain(second.digest);
    expect(local).not.toContain(first.digest);
    // A digest reference: current when the store holds it.
    const byDigest = `${tb.bed.proxy.host}/openshift/ci@${second.digest}`;
    const pinned = await tb.qci(['pull', '-q', '--if-stale', byDigest]);
    expect(pinned.exitCode, pinned.stderr).toBe(0);
    expect(pinned.stderr).toContain(`${byDigest}: local already`);
  });

  it('pull --if-stale --platform: a tag whose index holds the local image for another platform is pulled', async () => {
    await tb.bed.pushImage({ tags: ['two-amd64'], content: 'two amd64\n' });
    await tb.bed.pushImage({
      tags: ['two-arm64'],
      content: 'two arm64\n',
      arch: 'arm64',
    });
    const index = await putIndex(tb.bed, 'ocp_4.9_two', [
      { tag: 'two-amd64', platform: { os: 'linux', architecture: 'amd64' } },
      { tag: 'two-arm64', platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    await podmanLoggedIn(tb);
    const ifStale = (...platform: string[]) =>
      tb.qci(['pull', '-q', '--if-stale', ...platform, 'ocp/4.9:two']);
    const amd = await ifStale();
    expect(amd.exitCode, amd.stderr).toBe(0);
    expect(amd.stderr).not.toContain('current');
    // The tag still points at the index the local amd64 image came from; arm64 is not in the store.
    const arm = await ifStale('--platform', 'linux/arm64');
    expect(arm.exitCode, arm.stderr).toBe(0);
    expect(arm.stderr).not.toContain('ocp/4.9:two: current');
    expect(arm.stdout.trim()).not.toBe(amd.stdout.trim());
    const armAgain = await ifStale('--platform', 'linux/arm64');
    expect(armAgain.stderr).toContain('ocp/4.9:two: current');
    expect(armAgain.stdout.trim()).toBe(arm.stdout.trim());
    // The tag's local image is arm64 now: the default platform pulls amd64 again.
    const amdAgain = await ifStale();
    expect(amdAgain.stderr).not.toContain('ocp/4.9:two: current');
    expect(index.instances).toHaveLength(2);
  });

  it("an index re-pushed with another platform's image rebuilt: this platform's image is still current (images, pull --if-stale)", async () => {
    await tb.bed.pushImage({ tags: ['keep-amd64'], content: 'keep amd64\n' });
    await tb.bed.pushImage({
      tags: ['keep-arm64'],
      content: 'keep arm64\n',
      arch: 'arm64',
    });
    await tb.bed.pushImage({
      tags: ['keep-arm64-new'],
      content: 'keep arm64, rebuilt\n',
      arch: 'arm64',
    });
    const amd64 = { os: 'linux', architecture: 'amd64' };
    const arm64 = { os: 'linux', architecture: 'arm64' };
    const first = await putIndex(tb.bed, 'ocp_4.9_keep', [
      { tag: 'keep-amd64', platform: amd64 },
      { tag: 'keep-arm64', platform: arm64 },
    ]);
    await podmanLoggedIn(tb);
    const pulled = await tb.qci(['pull', '-q', 'ocp/4.9:keep']);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    const second = await putIndex(tb.bed, 'ocp_4.9_keep', [
      { tag: 'keep-amd64', platform: amd64 },
      { tag: 'keep-arm64-new', platform: arm64 },
    ]);
    expect(second.digest).not.toBe(first.digest);
    const listed = await tb.qci(['images', '--json']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    const row = JSON.parse(listed.stdout).images.find(
      (i: Row) => i.imageStreamTag === 'ocp/4.9:keep',
    );
    expect(row.state).toBe('current');
    const ifStale = await tb.qci(['pull', '-q', '--if-stale', 'ocp/4.9:keep']);
    expect(ifStale.exitCode, ifStale.stderr).toBe(0);
    expect(ifStale.stderr).toContain('ocp/4.9:keep: current');
    expect(ifStale.stdout.trim()).toBe(pulled.stdout.trim());
    // The amd64 image itself rebuilt: stale.
    await tb.bed.pushImage({
      tags: ['keep-amd64'],
      content: 'amd64, rebuilt\n',
    });
    await putIndex(tb.bed, 'ocp_4.9_keep', [
      { tag: 'keep-amd64', platform: amd64 },
      { tag: 'keep-arm64-new', platform: arm64 },
    ]);
    const moved = JSON.parse((await tb.qci(['images', '--json'])).stdout);
    expect(
      moved.images.find((i: Row) => i.imageStreamTag === 'ocp/4.9:keep').state,
    ).toBe('stale');
  });

  it("remembers the registry's challenge: the next run asks the token at once; a foreign or stale realm is not trusted", async () => {
    const pe = await podmanLoggedIn(tb);
    expect((await pe.podman(['pull', '-q', tb.bed.ref()])).exitCode).toBe(0);
    // A machine qci has run on: its cache directory exists (a first qci login makes it).
    const dir = join(pe.home, '.cache', 'qci');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, 'registry-challenges.json');
    const asked = async () => {
      tb.bed.proxy.clearRequests();
      const r = await tb.qci(['images', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).images[0].state).toBe('current');
      return tb.bed.proxy.requests.map(
        (q) => `${q.method} ${q.path.replace(/manifests\/.*/, 'manifests/…')}`,
      );
    };
    expect(await asked()).toEqual([
      'GET /v2/',
      'GET /v2/auth',
      'HEAD /v2/openshift/ci/manifests/…',
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const kept = readFileSync(file, 'utf8');
    expect(JSON.parse(kept).entries[tb.bed.proxy.host].challenge).toContain(
      `realm="${tb.bed.proxy.url}/v2/auth"`,
    );
    expect(kept).not.toContain(tb.bed.token);
    // The token the realm gave is kept too (see the next test): without it, the realm is asked at once.
    const tokens = join(dir, 'registry-tokens.json');
    rmSync(tokens);
    expect(await asked()).toEqual([
      'GET /v2/auth',
      'HEAD /v2/openshift/ci/manifests/…',
    ]);
    rmSync(tokens);

    const entry = (realm: string) => ({
      entries: {
        [tb.bed.proxy.host]: {
          scheme: 'http',
          challenge: `Bearer realm="${realm}",service="${tb.bed.proxy.host}"`,
          seenAt: new Date().toISOString(),
        },
      },
    });
    writeFileSync(file, JSON.stringify(entry('http://127.0.0.2:9/v2/auth')));
    expect((await asked())[0]).toBe('GET /v2/');
    rmSync(tokens);
    writeFileSync(file, JSON.stringify(entry(`${tb.bed.proxy.url}/v2/moved`)));
    expect(await asked()).toEqual([
      'GET /v2/moved',
      'GET /v2/',
      'GET /v2/auth',
      'HEAD /v2/openshift/ci/manifests/…',
    ]);
  });

  it('over TLS: a registry that speaks HTTP/2 gets every HEAD on one connection; one that does not, HTTP/1.1 as before', async () => {
    const pe = await podmanLoggedIn(tb);
    mkdirSync(join(pe.home, '.cache', 'qci'), { recursive: true, mode: 0o700 });
    // One the registry has, and one it does not (a HEAD each all the same).
    const tags = ['ocp_4.7_my-component', 'ocp_4.8_gone-component'];
    expect((await pe.podman(['pull', '-q', tb.bed.ref()])).exitCode).toBe(0);
    for (const h2 of [true, false]) {
      const far = await startFarFront({
        target: tb.bed.proxy.port,
        rttMs: 0,
        tls: { dir: join(pe.home, `far-${h2}`), h2 },
      });
      tb.bed.proxy.setPublicUrl(`https://${far.host}`);
      try {
        const auth = Buffer.from(`${tb.bed.user}:${tb.bed.token}`).toString(
          'base64',
        );
        writeFileSync(
          pe.authFiles.xdgRuntime,
          JSON.stringify({ auths: { [far.host]: { auth } } }),
        );
        for (const tag of tags)
          await pe.podmanOk([
            'tag',
            tb.bed.ref(),
            `${far.host}/openshift/ci:${tag}`,
          ]);
        const env = {
          QCI_REGISTRY: far.host,
          QCI_TLS_VERIFY: 'true',
          NODE_EXTRA_CA_CERTS: far.caFile ?? '',
        };
        // The first run learns the challenge and what the registry spoke; the second is measured.
        for (let run = 0; run < 2; run++) {
          far.resetConnections();
          const r = await tb.qci(['images', '--json'], env);
          expect(r.exitCode, r.stderr).toBe(0);
          const states = JSON.parse(r.stdout).images.map(
            (i: { qciTag: string; state: string }) => `${i.qciTag} ${i.state}`,
          );
          expect(states.sort()).toEqual([
            'ocp_4.7_my-component current',
            'ocp_4.8_gone-component gone',
          ]);
        }
        expect(far.connections).toBe(h2 ? 1 : tags.length);
      } finally {
        tb.bed.proxy.setPublicUrl(null);
        await far.stop();
      }
    }
  });

  it("keeps the registry's token between runs (0600, for that credential only); a rejected one is asked anew; logout removes it", async () => {
    // A token of its own, so that revoking it leaves the bed's token to the other tests.
    const token = tb.bed.appci.createToken(tb.bed.user);
    const pe = await tb.freshPodman();
    const login = async (secret: string) => {
      const r = await pe.podman(
        ['login', '--password-stdin', '-u', tb.bed.user, tb.bed.proxy.host],
        { input: secret },
      );
      expect(r.exitCode, r.stderr).toBe(0);
    };
    await login(token);
    expect((await pe.podman(['pull', '-q', tb.bed.ref()])).exitCode).toBe(0);
    mkdirSync(join(pe.home, '.cache', 'qci'), { recursive: true, mode: 0o700 });
    const file = join(pe.home, '.cache', 'qci', 'registry-tokens.json');
    const run = async () => {
      tb.bed.proxy.clearRequests();
      const r = await tb.qci(['images', '--json']);
      return {
        r,
        seen: tb.bed.proxy.requests.map(
          (q) =>
            `${q.method} ${q.path.replace(/manifests\/.*/, 'manifests/…')}`,
        ),
      };
    };
    const first = await run();
    expect(first.r.exitCode, first.r.stderr).toBe(0);
    expect(first.seen).toEqual([
      'GET /v2/',
      'GET /v2/auth',
      'HEAD /v2/openshift/ci/manifests/…',
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const keptText = readFileSync(file, 'utf8');
    expect(keptText).not.toContain(token);
    const keptToken = (text: string) =>
      (Object.values(JSON.parse(text).entries)[0] as { token: string }).token;
    const bearer = keptToken(keptText);
    expect(first.r.stdout + first.r.stderr).not.toContain(bearer);

    // The next run sends it at once: no challenge, no token request.
    const second = await run();
    expect(second.r.exitCode, second.r.stderr).toBe(0);
    expect(JSON.parse(second.r.stdout).images[0].state).toBe('current');
    expect(second.seen).toEqual(['HEAD /v2/openshift/ci/manifests/…']);

    // A token the registry no longer takes (here: forged) is asked anew, and the new one kept.
    const forged = JSON.parse(readFileSync(file, 'utf8'));
    for (const e of Object.values(forged.entries) as { token: string }[])
      e.token = 'not-a-token-the-registry-gave';
    writeFileSync(file, JSON.stringify(forged), { mode: 0o600 });
    const third = await run();
    expect(third.r.exitCode, third.r.stderr).toBe(0);
    expect(JSON.parse(third.r.stdout).images[0].state).toBe('current');
    expect(third.seen).toEqual([
      'HEAD /v2/openshift/ci/manifests/…',
      'GET /v2/auth',
      'HEAD /v2/openshift/ci/manifests/…',
    ]);
    expect(keptToken(readFileSync(file, 'utf8'))).not.toBe(
      'not-a-token-the-registry-gave',
    );

    // Another credential (a new login) does not get the old one's token.
    const other = tb.bed.appci.createToken(tb.bed.user);
    await login(other);
    const fourth = await run();
    expect(fourth.r.exitCode, fourth.r.stderr).toBe(0);
    expect(fourth.seen).toContain('GET /v2/auth');

    // Its app.ci token revoked, the credential is rejected: the kept token is forgotten.
    tb.bed.appci.revokeToken(other);
    const fifth = await run();
    expect(fifth.r.exitCode).not.toBe(0);
    expect(fifth.r.stderr).toMatch(/rejected/);
    // The realm is asked once (one TokenReview on app.ci); GET /v2/ only checks it was the right realm.
    expect(fifth.seen).toEqual([
      'HEAD /v2/openshift/ci/manifests/…',
      'GET /v2/auth',
      'GET /v2/',
    ]);
    expect(() => statSync(file)).toThrow();

    // qci logout removes what a run kept.
    await login(token);
    expect((await run()).r.exitCode).toBe(0);
    expect(statSync(file).isFile()).toBe(true);
    const out = await tb.qci(['logout']);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(() => statSync(file)).toThrow();
  });
});

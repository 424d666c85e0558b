import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authFileRef, readAuthFile } from '../../src/auth/index.js';
import type { AppCi } from '../../src/kube/appci.js';
import { viewPullSecret } from '../../src/session/pull-secret-check.js';
import { DAY, HOST, NOW, fakeSetup } from './fake-setup.js';
import { QciError } from '../../src/core/errors.js';
import {
  checkFileDestination,
  mergeEntries,
  mergePullSecretFile,
  type PullSecret,
} from '../../src/session/pull-secret.js';
import { checkApplyTarget } from '../../src/session/pull-secret-apply.js';

const QCI = 'quay-proxy.ci.openshift.org';
const secret = { auths: { [QCI]: { auth: 'bmV3OnRva2Vu' } } };

describe('mergeEntries: the QCI entry in, everything else kept where it was', () => {
  it.each([
    [
      'another registry and a non-auth key',
      { auths: { 'quay.io': { auth: 'eA==' } }, HttpHeaders: { a: 'b' } },
      {
        auths: { 'quay.io': { auth: 'eA==' }, ...secret.auths },
        HttpHeaders: { a: 'b' },
      },
    ],
    [
      'an older QCI entry, replaced in its place',
      {
        auths: {
          [QCI]: { auth: 'b2xk', email: 'x' },
          'quay.io': { auth: 'eA==' },
        },
      },
      { auths: { ...secret.auths, 'quay.io': { auth: 'eA==' } } },
    ],
    [
      "the host's URL and per-repository keys, which would win over it, removed",
      {
        auths: {
          [`https://${QCI}/v1/`]: { auth: 'b2xk' },
          [`${QCI}/openshift/ci`]: { auth: 'b2xk' },
          'quay.io': { auth: 'eA==' },
        },
      },
      { auths: { 'quay.io': { auth: 'eA==' }, ...secret.auths } },
    ],
    [
      'no auths at all',
      { credHelpers: {} },
      { credHelpers: {}, auths: secret.auths },
    ],
    ['auths: null', { auths: null }, { auths: secret.auths }],
  ])('%s', (_name, before: Record<string, unknown>, after) => {
    mergeEntries(before, secret, 'ps.txt');
    expect(before).toEqual(after);
    expect(JSON.stringify(before)).toBe(JSON.stringify(after)); // order too
  });
  it('refuses an auths that is not an object, naming the file', () => {
    expect(() => mergeEntries({ auths: [] }, secret, 'ps.txt')).toThrow(
      /cannot update ps\.txt: "auths" must be a JSON object/,
    );
  });
});

describe('checkApplyTarget: the --apply flags, before any token is minted', () => {
  it.each([
    [{}, undefined],
    [
      { namespace: 'ci', name: 'qci-pull' },
      { namespace: 'ci', name: 'qci-pull' },
    ],
    [
      { namespace: 'ci', name: 'p', linkServiceAccount: 'default' },
      { namespace: 'ci', name: 'p' },
    ],
  ])('%j → secret %j', (flags, target) => {
    expect(checkApplyTarget(flags).secret).toEqual(target);
  });
  it.each([
    [{ namespace: 'ci' }, '--namespace and --name go together'],
    [{ name: 'x' }, '--namespace and --name go together'],
    [
      { linkServiceAccount: 'default' },
      '--link-service-account needs --namespace',
    ],
    [{ namespace: 'CI', name: 'x' }, '--namespace'],
    [{ namespace: 'ci', name: 'x/y' }, '--name'],
  ])('%j is refused: %s', (flags, message) => {
    let error: unknown;
    try {
      checkApplyTarget(flags);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QciError);
    expect((error as QciError).exitCode).toBe(2);
    expect((error as QciError).message).toContain(message);
  });
});

describe('viewPullSecret: whose token a pull secret holds, until when, without a second judge', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const jwt = (claims: unknown) =>
    `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  const OTHER = `sha256~${'O'.repeat(43)}`;
  const secs = (ms: number) => Math.floor(ms / 1000);

  async function view(
    token: string,
    options: { isAppCi?: boolean; current?: boolean; registries?: number } = {},
  ) {
    const fake = fakeSetup();
    const file = join(fake.setup.home, 'pull-secret.txt');
    const auths: Record<string, unknown> = {
      [HOST]: { auth: b64(`stored-user:${token}`) },
    };
    if ((options.registries ?? 2) > 1) auths['quay.io'] = { auth: b64('rh:x') };
    writeFileSync(file, JSON.stringify({ auths }));
    const asked: string[] = [];
    const appci = {
      context: {
        name: 'app.ci',
        server: 'https://api.ci.test:6443',
        foundBy: 'named app.ci',
        isAppCi: options.isAppCi ?? true,
      },
      withToken: (t: string) => ({
        tokenExpiry: async () => {
          asked.push(t);
          return {
            expiresAt: new Date(NOW.getTime() + 10 * DAY),
            source: 'oauth-metadata',
          };
        },
      }),
    } as unknown as AppCi;
    const current = options.current
      ? {
          token,
          user: 'alice',
          expiresAt: new Date(NOW.getTime() + 2 * DAY).toISOString(),
        }
      : undefined;
    const state = await readAuthFile(authFileRef(file));
    return {
      result: await viewPullSecret(fake.setup, state, { appci, current }),
      asked,
    };
  }

  it("a ServiceAccount's token: its own sub and exp, app.ci not asked; under 7 days it says so", async () => {
    const token = jwt({
      sub: 'system:serviceaccount:p:image-puller',
      iat: secs(NOW.getTime()),
      exp: secs(NOW.getTime() + 3 * DAY),
    });
    const { result, asked } = await view(token);
    expect(result).toMatchObject({
      registries: [HOST, 'quay.io'],
      owner: 'system:serviceaccount:p:image-puller',
      ownerFrom: 'token',
      tokenKind: 'service-account',
      expiry: 'expires in 3 days',
      expiresSoon: true,
      renew: expect.stringContaining(
        '--service-account p/image-puller --merge',
      ),
    });
    expect(asked).toEqual([]);
  });

  it("the kube context's own token: what app.ci proved about it", async () => {
    const { result, asked } = await view(OTHER, { current: true });
    expect(result).toMatchObject({
      owner: 'alice',
      ownerFrom: 'app.ci',
      expiry: 'expires in 2 days',
      expiresSoon: true,
    });
    expect(asked).toEqual([]);
  });

  it("another OAuth token: app.ci's metadata gives its expiry, the stored user name its owner", async () => {
    const { result, asked } = await view(OTHER);
    expect(result).toMatchObject({
      owner: 'stored-user',
      ownerFrom: 'stored user name',
      expiry: 'expires in 10 days',
      expiresSoon: false,
    });
    expect(asked).toEqual([OTHER]);
  });

  it("never sends a file's token to a context that is not app.ci's", async () => {
    const { result, asked } = await view(OTHER, { isAppCi: false });
    expect(result).toMatchObject({ expiry: null, expiresSoon: false });
    expect(asked).toEqual([]);
  });

  it('a file of QCI alone is no pull secret (whoami and doctor judge it as any auth file)', async () => {
    expect((await view(OTHER, { registries: 1 })).result).toBeNull();
  });
});

describe('mergePullSecretFile: the backups of a pull secret keep no QCI secret', () => {
  it('an older backup holding a QCI token has it cut; no new backup is made for a replaced token', async () => {
    const fake = fakeSetup();
    const file = join(fake.setup.home, 'pull-secret.txt');
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const old = { auth: b64(`alice:sha256~${'O'.repeat(43)}`) };
    const quay = { auth: b64('rh:quay') };
    writeFileSync(
      file,
      JSON.stringify({ auths: { 'quay.io': quay, [HOST]: old } }),
    );
    const backup = `${file}.qci-backup-20260101T000000Z`;
    writeFileSync(
      backup,
      JSON.stringify({ auths: { 'quay.io': quay, gone: quay, [HOST]: old } }),
      { mode: 0o600 },
    );
    const secret = {
      json: {
        auths: { [HOST]: { auth: b64(`alice:sha256~${'N'.repeat(43)}`) } },
      },
      token: `sha256~${'N'.repeat(43)}`,
      facts: { registries: [HOST] },
    } as unknown as PullSecret;
    const result = await mergePullSecretFile(file, secret);
    expect(result.backupPath).toBeNull();
    expect(JSON.parse(readFileSync(file, 'utf8')).auths[HOST]).toEqual(
      secret.json.auths[HOST],
    );
    const kept = JSON.parse(readFileSync(backup, 'utf8'));
    expect(Object.keys(kept.auths)).toEqual(['quay.io', 'gone']); // what it keeps that the file does not
    expect(
      readdirSync(fake.setup.home).filter((n) => n.includes('backup')),
    ).toEqual(['pull-secret.txt.qci-backup-20260101T000000Z']);
  });
});

describe('mergePullSecretFile: credentials in another form, or read before "auths"', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const fresh = {
    json: {
      auths: { [HOST]: { auth: b64(`alice:sha256~${'N'.repeat(43)}`) } },
    },
    token: `sha256~${'N'.repeat(43)}`,
    facts: { registries: [HOST] },
  } as unknown as PullSecret;
  const merging = (content: unknown) => {
    const fake = fakeSetup();
    const file = join(fake.setup.home, 'pull-secret.txt');
    const text = JSON.stringify(content);
    writeFileSync(file, text, { mode: 0o600 });
    return { file, text, home: fake.setup.home };
  };

  it.each([
    [
      'a Kubernetes Secret manifest',
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64('{"auths":{}}') },
      },
      /it is a Kubernetes Secret manifest, not the pull secret inside it; qci changed nothing/,
      /oc extract secret\/NAME --keys=.dockerconfigjson/,
    ],
    [
      'the legacy .dockercfg form',
      { 'quay.io': { auth: b64('rh:quay'), email: 'a@example.com' } },
      /legacy .dockercfg form \(registries at the top level, no "auths"\); qci changed nothing/,
      /jq '\{auths: \.\}'/,
    ],
  ])(
    '%s: refused, the file unchanged and no backup',
    async (_, content, message, hint) => {
      const { file, text, home } = merging(content);
      const error = await mergePullSecretFile(file, fresh).catch((e) => e);
      expect(error).toBeInstanceOf(QciError);
      expect(error.message).toMatch(message);
      expect(error.hint).toMatch(hint);
      expect(error.exitCode).toBe(2);
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(readdirSync(home).filter((n) => n.includes('backup'))).toEqual([]);
    },
  );

  it('a credHelpers line for the host: merged, with a warning that the engines ask the helper first', async () => {
    const { file } = merging({
      auths: { 'quay.io': { auth: b64('rh:quay') } },
      credHelpers: { [HOST]: 'secretservice' },
    });
    const result = await mergePullSecretFile(file, fresh);
    expect(result.changed).toBe(true);
    expect(result.warnings).toEqual([
      `${file}: credHelpers sends ${HOST} to docker-credential-secretservice, which podman and docker ask before "auths": they will not send the new entry while that line is there`,
    ]);
  });

  it('an empty file object and a plain pull secret: merged without a warning', async () => {
    for (const content of [
      {},
      { auths: { 'quay.io': { auth: b64('rh:quay') } } },
    ]) {
      const { file } = merging(content);
      const result = await mergePullSecretFile(file, fresh);
      expect(result.warnings).toEqual([]);
      expect(JSON.parse(readFileSync(file, 'utf8')).auths[HOST]).toEqual(
        fresh.json.auths[HOST],
      );
    }
  });
});

describe('checkFileDestination: -o makes the file, not the directories on the way to it', () => {
  it.each([
    ['', '-o needs a file name'],
    [
      '/nonexistent-qci-dir/sub/pull-secret.json',
      '-o /nonexistent-qci-dir/sub/pull-secret.json: there is no directory /nonexistent-qci-dir/sub',
    ],
  ])(
    '-o %j is refused before any token is asked for',
    async (path, message) => {
      const error = await checkFileDestination('file', path, [HOST]).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(QciError);
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(message);
      expect(existsSync('/nonexistent-qci-dir')).toBe(false);
    },
  );
});

describe('mergePullSecretFile keeps the file as it was written', () => {
  const fresh = {
    json: { auths: { [HOST]: { auth: 'bmV3OnRva2Vu' } } },
    token: 'new',
    facts: { registries: [HOST] },
  } as unknown as PullSecret;

  it('CRLF line ends (a pull secret saved on Windows) stay CRLF', async () => {
    const file = join(fakeSetup().setup.home, 'pull-secret.json');
    writeFileSync(
      file,
      '{\r\n  "auths": {\r\n    "quay.io": {\r\n      "auth": "cmg6cXVheQ=="\r\n    }\r\n  }\r\n}\r\n',
    );
    await mergePullSecretFile(file, fresh);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\r\n').length).toBeGreaterThan(5);
    expect(text.replaceAll('\r\n', '')).not.toContain('\n');
    expect(JSON.parse(text).auths[HOST]).toEqual(fresh.json.auths[HOST]);
  });

  it.each([
    ['{"auths": {', 'is not valid JSON'],
    ['\ufeff{"auths": {}}', 'starts with a byte-order mark'],
  ])('%j is refused, saying what is wrong with it', async (text, words) => {
    const file = join(fakeSetup().setup.home, 'pull-secret.json');
    writeFileSync(file, text);
    const error = await mergePullSecretFile(file, fresh).catch((e) => e);
    expect(error.message).toContain(words);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

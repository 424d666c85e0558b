/**
 * docker-credential-qci as podman runs it: the built bin, a process per call, kubeconfigs on disk (no
 * network: the helper only reads files). And what its bundle may load.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { tempDir } from '../helpers/temp.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const HELPER = join(root, 'bin', 'docker-credential-qci');
const QCI = 'quay-proxy.ci.openshift.org';
const APP_CI = 'https://api.ci.l2s4.p1.openshiftapps.com:6443';
const tokenA = 'sha256~AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const tokenB = 'sha256~BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
const tokenC = 'sha256~CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC';
const b64url = (o: unknown) =>
  Buffer.from(JSON.stringify(o)).toString('base64url');
const saToken = `${b64url({ alg: 'RS256' })}.${b64url({ sub: 'system:serviceaccount:my-project:image-puller', exp: 4102444800 })}.c2ln`;

interface Ctx {
  name: string;
  user: string;
  server?: string;
  userBody?: Record<string, unknown>;
}

/** A kubeconfig in kubectl's shape: one cluster, user and context per entry. */
function kubeconfig(contexts: Ctx[], current?: string): string {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const c of contexts)
    lines.push(
      `- name: cluster-${c.name}`,
      '  cluster:',
      `    server: ${c.server ?? APP_CI}`,
    );
  lines.push('contexts:');
  for (const c of contexts)
    lines.push(
      `- name: ${c.name}`,
      '  context:',
      `    cluster: cluster-${c.name}`,
      `    user: ${c.user}`,
    );
  lines.push('users:');
  for (const c of contexts)
    lines.push(
      `- name: ${c.user}`,
      '  user:',
      ...Object.entries(c.userBody ?? {}).map(
        ([k, v]) => `    ${k}: ${JSON.stringify(v)}`,
      ),
    );
  if (current) lines.push(`current-context: ${current}`);
  return `${lines.join('\n')}\n`;
}

function home(): { dir: string; env: Record<string, string> } {
  const dir = tempDir('qci-helper-');
  mkdirSync(join(dir, '.kube'));
  return {
    dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, '.config'),
    },
  };
}

function helper(action: string, input: string, env: Record<string, string>) {
  const r = spawnSync(process.execPath, [HELPER, action], {
    input,
    env,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const answer = (url: string, user: string, secret: string) =>
  `${JSON.stringify({ ServerURL: url, Username: user, Secret: secret })}\n`;

describe('docker-credential-qci (the built bin)', () => {
  it("get for the QCI host: the app.ci context token from ~/.kube/config, the user from oc's entry name", () => {
    const h = home();
    writeFileSync(
      join(h.dir, '.kube', 'config'),
      kubeconfig(
        [{ name: 'app.ci', user: `alice/api-ci`, userBody: { token: tokenA } }],
        'app.ci',
      ),
    );
    for (const url of [QCI, `https://${QCI}/v1/`, `${QCI}\n`]) {
      expect(helper('get', url, h.env)).toEqual({
        code: 0,
        stdout: answer(url.trim(), 'alice', tokenA),
        stderr: '',
      });
    }
  });

  it.each(['get', 'store', 'erase'])(
    '%s with an input past 64 KiB (not a server URL or a small JSON): exit 1, read no further',
    (action) => {
      const h = home();
      const r = helper(action, 'x'.repeat(70 * 1024), h.env);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(
        'docker-credential-qci: the input is over 64 KiB; the protocol sends a server URL or a small JSON object\n',
      );
    },
  );

  it('get for any other host: exactly "credentials not found in native keychain", exit 1', () => {
    const h = home();
    writeFileSync(
      join(h.dir, '.kube', 'config'),
      kubeconfig([
        { name: 'app.ci', user: 'alice/api-ci', userBody: { token: tokenA } },
      ]),
    );
    for (const url of [
      'docker.io',
      'https://index.docker.io/v1/',
      'quay.io',
      'registry.ci.openshift.org',
    ]) {
      expect(helper('get', url, h.env)).toEqual({
        code: 1,
        stdout: 'credentials not found in native keychain\n',
        stderr: '',
      });
    }
  });

  it('finds app.ci by server URL, honours QCI_CONTEXT, and the config file context', () => {
    const h = home();
    writeFileSync(
      join(h.dir, '.kube', 'config'),
      kubeconfig(
        [
          {
            name: 'build02',
            user: 'alice/build02',
            server: 'https://api.build02.example:6443',
            userBody: { token: tokenC },
          },
          {
            name: 'ci/api-ci/alice',
            user: 'alice/api-ci',
            userBody: { token: tokenA },
          },
          { name: 'other', user: 'bob/api-ci', userBody: { token: tokenB } },
        ],
        'build02',
      ),
    );
    expect(helper('get', QCI, h.env).stdout).toBe(answer(QCI, 'alice', tokenA));
    expect(helper('get', QCI, { ...h.env, QCI_CONTEXT: 'other' }).stdout).toBe(
      answer(QCI, 'bob', tokenB),
    );
    mkdirSync(join(h.dir, '.config', 'qci'), { recursive: true });
    writeFileSync(
      join(h.dir, '.config', 'qci', 'config.yaml'),
      'context: other\nregistry: 127.0.0.1:5000\n',
    );
    expect(helper('get', QCI, h.env).stdout).toBe(answer(QCI, 'bob', tokenB));
    expect(helper('get', '127.0.0.1:5000', h.env).stdout).toBe(
      answer('127.0.0.1:5000', 'bob', tokenB),
    );
    expect(
      helper('get', QCI, { ...h.env, QCI_CONTEXT: 'ci/api-ci/alice' }).stdout,
    ).toBe(answer(QCI, 'alice', tokenA));
    const missing = helper('get', QCI, { ...h.env, QCI_CONTEXT: 'nope' });
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain(
      'kube context "nope" (from QCI_CONTEXT) does not exist',
    );
  });

  it('QCI_REGISTRY names another QCI host; the default host stays one', () => {
    const h = home();
    writeFileSync(
      join(h.dir, '.kube', 'config'),
      kubeconfig([
        { name: 'app.ci', user: 'alice/api-ci', userBody: { token: tokenA } },
      ]),
    );
    const env = { ...h.env, QCI_REGISTRY: '127.0.0.1:5000' };
    expect(helper('get', 'http://127.0.0.1:5000/v2/', env).stdout).toBe(
      answer('http://127.0.0.1:5000/v2/', 'alice', tokenA),
    );
    expect(helper('get', QCI, env).stdout).toBe(answer(QCI, 'alice', tokenA));
    expect(helper('get', '127.0.0.1:5001', env).code).toBe(1);
    expect(JSON.parse(helper('list', '', env).stdout)).toEqual({
      '127.0.0.1:5000': 'alice',
      [QCI]: 'alice',
    });
  });

  it('resolves its settings as qci does: the environment over the config file, and a bad value is an error naming where it is', () => {
    const h = home();
    writeFileSync(
      join(h.dir, '.kube', 'config'),
      kubeconfig([
        { name: 'app.ci', user: 'alice/api-ci', userBody: { token: tokenA } },
      ]),
    );
    const config = join(h.dir, '.config', 'qci', 'config.yaml');
    mkdirSync(join(h.dir, '.config', 'qci'), { recursive: true });
    writeFileSync(config, 'registry: 127.0.0.1:5000\n');
    expect(helper('get', '127.0.0.1:5000', h.env).code).toBe(0);
    const env = { ...h.env, QCI_REGISTRY: '127.0.0.1:6000' };
    expect(helper('get', '127.0.0.1:6000', env).code).toBe(0);
    expect(helper('get', '127.0.0.1:5000', env).code).toBe(1);

    // Not a registry host: the message qci itself gives, and no credential.
    writeFileSync(config, 'registry: https://127.0.0.1:5000/v2/\n');
    const badFile = helper('get', QCI, h.env);
    expect(badFile).toMatchObject({ code: 1, stdout: '' });
    expect(badFile.stderr).toContain(`config file ${config}: registry:`);
    writeFileSync(config, 'registry: 127.0.0.1:5000\n');
    const badEnv = helper('get', QCI, { ...h.env, QCI_REGISTRY: 'a b' });
    expect(badEnv).toMatchObject({ code: 1, stdout: '' });
    expect(badEnv.stderr).toContain('environment QCI_REGISTRY=a b:');
    // The default host needs no settings to be found, and is still answered from them.
    expect(
      helper('get', 'docker.io', { ...h.env, QCI_REGISTRY: 'a b' }).code,
    ).toBe(1);
  });

  it('KUBECONFIG=a:b merges as kubectl does (the first file wins a name), and tokenFile is read and trimmed', () => {
    const h = home();
    const a = join(h.dir, 'a.yaml');
    const b = join(h.dir, 'b.yaml');
    writeFileSync(
      a,
      kubeconfig([
        { name: 'app.ci', user: 'alice/api-ci', userBody: { token: tokenA } },
      ]),
    );
    writeFileSync(
      b,
      kubeconfig(
        [{ name: 'app.ci', user: 'alice/api-ci', userBody: { token: tokenB } }],
        'app.ci',
      ),
    );
    expect(
      helper('get', QCI, { ...h.env, KUBECONFIG: `${a}:${b}` }).stdout,
    ).toBe(answer(QCI, 'alice', tokenA));
    expect(
      helper('get', QCI, { ...h.env, KUBECONFIG: `${b}:${a}` }).stdout,
    ).toBe(answer(QCI, 'alice', tokenB));
    expect(
      helper('get', QCI, {
        ...h.env,
        KUBECONFIG: `${join(h.dir, 'missing.yaml')}:${b}`,
      }).stdout,
    ).toBe(answer(QCI, 'alice', tokenB));
    // tokenFile, relative to its kubeconfig: rewritten by a token rotation, read on every call.
    writeFileSync(join(h.dir, 'token'), `${tokenC}\n`);
    writeFileSync(
      a,
      kubeconfig([
        {
          name: 'app.ci',
          user: 'alice/api-ci',
          userBody: { tokenFile: 'token' },
        },
      ]),
    );
    expect(helper('get', QCI, { ...h.env, KUBECONFIG: a }).stdout).toBe(
      answer(QCI, 'alice', tokenC),
    );
    writeFileSync(join(h.dir, 'token'), `${tokenB}\n`);
    expect(helper('get', QCI, { ...h.env, KUBECONFIG: a }).stdout).toBe(
      answer(QCI, 'alice', tokenB),
    );
  });

  it('QCI_TOKEN_FILE wins over the kubeconfig; a service-account user (with ":") is sent as P/NAME, as qci login stores it', () => {
    const h = home();
    writeFileSync(
      join(h.dir, '.kube', 'config'),
      kubeconfig([
        { name: 'app.ci', user: 'alice/api-ci', userBody: { token: tokenA } },
      ]),
    );
    writeFileSync(join(h.dir, 'sa.token'), `${saToken}\n`, { mode: 0o600 });
    const env = { ...h.env, QCI_TOKEN_FILE: join(h.dir, 'sa.token') };
    expect(helper('get', QCI, env)).toEqual({
      code: 0,
      stdout: answer(QCI, 'my-project/image-puller', saToken),
      stderr: '',
    });
    const gone = helper('get', QCI, {
      ...env,
      QCI_TOKEN_FILE: join(h.dir, 'nope.token'),
    });
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(gone.stderr).toContain(
      `QCI_TOKEN_FILE ${join(h.dir, 'nope.token')}: cannot read it (ENOENT)`,
    );
  });

  it('failures: exit 1, one line and a hint on stderr, nothing on stdout, never the token', () => {
    const h = home();
    const none = helper('get', QCI, h.env);
    expect(none).toMatchObject({ code: 1, stdout: '' });
    expect(none.stderr).toMatch(
      /^docker-credential-qci: no kubeconfig found .*\n {2}hint: log in to app\.ci/,
    );
    writeFileSync(
      join(h.dir, '.kube', 'config'),
      kubeconfig([{ name: 'app.ci', user: 'alice/api-ci', userBody: {} }]),
    );
    const noToken = helper('get', QCI, h.env);
    expect(noToken).toMatchObject({ code: 1, stdout: '' });
    expect(noToken.stderr).toContain('kube context "app.ci" has no token');
    writeFileSync(
      join(h.dir, '.kube', 'config'),
      kubeconfig([
        {
          name: 'build02',
          user: 'alice/b',
          server: 'https://x:6443',
          userBody: { token: tokenA },
        },
      ]),
    );
    const noContext = helper('get', QCI, h.env);
    expect(noContext).toMatchObject({ code: 1, stdout: '' });
    expect(noContext.stderr).toContain('no app.ci context');
    expect(noContext.stderr).not.toContain(tokenA);
  });

  it('store, erase, list and version', () => {
    const h = home();
    writeFileSync(
      join(h.dir, '.kube', 'config'),
      kubeconfig([
        { name: 'app.ci', user: 'alice/api-ci', userBody: { token: tokenA } },
      ]),
    );
    const store = (secret: string) =>
      helper(
        'store',
        JSON.stringify({ ServerURL: QCI, Username: 'alice', Secret: secret }),
        h.env,
      );
    expect(store(tokenA)).toEqual({ code: 0, stdout: '', stderr: '' });
    const other = store(tokenB);
    expect(other).toMatchObject({ code: 1, stdout: '' });
    expect(other.stderr).not.toContain(tokenB);
    expect(helper('erase', QCI, h.env)).toMatchObject({ code: 0, stdout: '' });
    expect(helper('erase', 'docker.io', h.env)).toEqual({
      code: 1,
      stdout: 'credentials not found in native keychain\n',
      stderr: '',
    });
    expect(helper('list', '', h.env)).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ [QCI]: 'alice' })}\n`,
      stderr: '',
    });
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
      .version as string;
    expect(helper('version', '', h.env)).toEqual({
      code: 0,
      stdout: `docker-credential-qci (qci) ${version}\n`,
      stderr: '',
    });
  });
});

describe('docker-credential-qci start-up', () => {
  it('its bundle holds no commander, chalk or kube client, and loads js-yaml (and the kubeconfig schema) only when it reads a kubeconfig, yaml only for a config file', async () => {
    // As bin/build.mjs bundles it (one CommonJS file), with the packages left out so their imports show.
    const result = await build({
      absWorkingDir: root,
      entryPoints: ['src/cli/credential-helper-main.ts'],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      write: false,
      outfile: '/tmp/qci-helper-structure-test.cjs',
      metafile: true,
      packages: 'external',
      define: { QCI_VERSION: '"test"' },
      logLevel: 'silent',
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    const included = Object.entries(output.inputs)
      .filter(([, i]) => i.bytesInOutput > 0)
      .map(([path]) => path);
    expect(
      included.filter((p) =>
        /client-node|src\/cli\/program|src\/engine\//.test(p),
      ),
    ).toEqual([]);
    const packages = output.imports.filter((i) => !i.path.startsWith('node:'));
    expect(
      [...new Set(packages.map((i) => `${i.path} ${i.kind}`))].sort(),
    ).toEqual([
      'js-yaml dynamic-import',
      'yaml dynamic-import',
      'zod/mini require-call',
    ]);
  });

  it('the built bundle requires only Node built-ins, js-yaml.cjs and yaml.cjs', () => {
    const text = readFileSync(
      join(root, 'bin', 'dist', 'credential-helper.cjs'),
      'utf8',
    );
    const required = new Set(
      [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]),
    );
    expect([...required].filter((r) => !r!.startsWith('node:')).sort()).toEqual(
      ['./js-yaml.cjs', './yaml.cjs'],
    );
  });
});

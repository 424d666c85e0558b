/** The docker-credential-helpers protocol of docker-credential-qci, with the token lookup faked. */
import { registryUserFor } from '../../src/core/token.js';
import { describe, expect, it } from 'vitest';
import { QciError } from '../../src/core/errors.js';
import {
  CREDENTIALS_NOT_FOUND,
  runCredentialHelper,
  serverHost,
  type HelperDeps,
} from '../../src/auth/credential-helper.js';

const QCI = 'quay-proxy.ci.openshift.org';
const TOKEN = 'sha256~abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';

function deps(
  overrides: Partial<HelperDeps> = {},
): HelperDeps & { lookups: number } {
  const d = {
    lookups: 0,
    version: '9.9.9',
    isQciHost: async (host: string) =>
      host === QCI || host === '127.0.0.1:5000',
    qciHosts: async () => [QCI, '127.0.0.1:5000'],
    async credential() {
      d.lookups++;
      return { username: 'alice', secret: TOKEN };
    },
    ...overrides,
  };
  return d;
}

const noToken = () =>
  deps({
    credential: async () => {
      throw new QciError('no app.ci context: none is named app.ci', {
        kind: 'no-context',
        hint: 'oc login …',
      });
    },
  });

describe('serverHost', () => {
  it.each([
    [QCI, QCI],
    [`${QCI}\n`, QCI],
    [`https://${QCI}`, QCI],
    [`https://${QCI}/v1/`, QCI],
    [`http://${QCI}/v2/`, QCI],
    [`${QCI}/openshift/ci`, QCI],
    ['Quay-Proxy.CI.OpenShift.org', QCI],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['https://[::1]:5000/v2/', '[::1]:5000'],
    ['https://index.docker.io/v1/', 'index.docker.io'],
    ['', ''],
  ])('%j → %j', (input, host) => expect(serverHost(input)).toBe(host));
});

describe('registryUserFor: one user-name rule for login, exec and the helper', () => {
  it.each([
    ['alice', 'alice'],
    ['system:serviceaccount:ns:image-puller', 'ns/image-puller'],
    ['', 'qci'],
    [null, 'qci'],
    ['a b', 'a_b'],
    ['weird:name', 'weird_name'],
  ])('%j → %j', (candidate, user) =>
    expect(registryUserFor(candidate)).toBe(user),
  );
});

describe('get', () => {
  it.each([QCI, `https://${QCI}/v1/`, `${QCI}/openshift/ci`, '127.0.0.1:5000'])(
    'QCI server %j: the current token as JSON',
    async (url) => {
      const out = await runCredentialHelper('get', `${url}\n`, deps());
      expect(out).toEqual({
        stdout: `${JSON.stringify({ ServerURL: url, Username: 'alice', Secret: TOKEN })}\n`,
        stderr: '',
        exitCode: 0,
      });
    },
  );

  it.each([
    'docker.io',
    'https://index.docker.io/v1/',
    'quay.io',
    'registry.ci.openshift.org',
    '127.0.0.1:5001',
  ])(
    'other server %j: exactly the protocol\'s "not found", exit 1, no token lookup',
    async (url) => {
      const d = deps();
      expect(await runCredentialHelper('get', url, d)).toEqual({
        stdout: `${CREDENTIALS_NOT_FOUND}\n`,
        stderr: '',
        exitCode: 1,
      });
      expect(d.lookups).toBe(0);
    },
  );

  it('no token: exit 1, the reason and hint on stderr, nothing on stdout', async () => {
    const out = await runCredentialHelper('get', QCI, noToken());
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(
      'docker-credential-qci: no app.ci context: none is named app.ci\n  hint: oc login …\n',
    );
  });

  it('empty input: exit 1 with a message', async () => {
    const out = await runCredentialHelper('get', '  \n', deps());
    expect(out).toMatchObject({ stdout: '', exitCode: 1 });
    expect(out.stderr).toContain('no server URL');
  });
});

describe('store', () => {
  const body = (url: string, secret: string) =>
    JSON.stringify({ ServerURL: url, Username: 'whoever', Secret: secret });

  it('QCI host with the current token (podman login -p "$(oc whoami -t)", qci login): accepted, nothing stored', async () => {
    expect(
      await runCredentialHelper('store', body(`https://${QCI}`, TOKEN), deps()),
    ).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('QCI host with another secret: refused, the secret never echoed', async () => {
    const out = await runCredentialHelper(
      'store',
      body(QCI, 'sha256~another-token-that-must-not-be-printed-000000'),
      deps(),
    );
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('cannot store another secret');
    expect(out.stderr).toContain('qci logout --helper');
    expect(out.stderr).not.toContain('another-token');
    expect(out.stderr).not.toContain(TOKEN);
  });

  it('QCI host without a current token: refused with the reason', async () => {
    const out = await runCredentialHelper('store', body(QCI, TOKEN), noToken());
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('no app.ci context');
  });

  it('another host: refused (the helper keeps nothing)', async () => {
    const out = await runCredentialHelper(
      'store',
      body('docker.io', 'pw'),
      deps(),
    );
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('stores no credentials');
  });

  it.each(['not json', '[]', '{}', '{"ServerURL": 3}'])(
    'bad input %j: exit 1',
    async (input) => {
      expect((await runCredentialHelper('store', input, deps())).exitCode).toBe(
        1,
      );
    },
  );
});

describe('erase, list, version, usage', () => {
  it('erase of the QCI host: nothing stored, exit 0 with a note on stderr', async () => {
    const out = await runCredentialHelper('erase', QCI, deps());
    expect(out).toMatchObject({ stdout: '', exitCode: 0 });
    expect(out.stderr).toContain('qci logout --helper');
  });

  it('erase of another host: not found', async () => {
    expect(await runCredentialHelper('erase', 'docker.io', deps())).toEqual({
      stdout: `${CREDENTIALS_NOT_FOUND}\n`,
      stderr: '',
      exitCode: 1,
    });
  });

  it('list: the QCI hosts with the user', async () => {
    const out = await runCredentialHelper('list', '', deps());
    expect(JSON.parse(out.stdout)).toEqual({
      [QCI]: 'alice',
      '127.0.0.1:5000': 'alice',
    });
    expect(out.exitCode).toBe(0);
  });

  it('list without a token: {} and the reason on stderr', async () => {
    const out = await runCredentialHelper('list', '', noToken());
    expect(out).toMatchObject({ stdout: '{}\n', exitCode: 0 });
    expect(out.stderr).toContain('no app.ci context');
  });

  it.each(['version', '--version', '-v'])('%s', async (action) => {
    expect(await runCredentialHelper(action, '', deps())).toEqual({
      stdout: 'docker-credential-qci (qci) 9.9.9\n',
      stderr: '',
      exitCode: 0,
    });
  });

  it('no action or an unknown one: usage on stderr, exit 1', async () => {
    for (const action of [undefined, 'fetch']) {
      const out = await runCredentialHelper(action, '', deps());
      expect(out).toMatchObject({ stdout: '', exitCode: 1 });
      expect(out.stderr).toContain(
        'Usage: docker-credential-qci <get|store|erase|list|version>',
      );
    }
  });

  it('a lookup that throws something unexpected: exit 1 with the message, never the token', async () => {
    const out = await runCredentialHelper(
      'get',
      QCI,
      deps({
        credential: async () => Promise.reject(new Error('EIO: i/o error')),
      }),
    );
    expect(out).toEqual({
      stdout: '',
      stderr: 'docker-credential-qci: EIO: i/o error\n',
      exitCode: 1,
    });
  });
});

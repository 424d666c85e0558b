/** Secrets never reach anything printable: JSON, util.inspect, String(), describe(), error messages. */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authFileRef,
  effectiveCredential,
  parseAuthFileText,
  parseJsonText,
  readAuthFile,
  setCredential,
  updateAuthFile,
} from '../../src/auth/index.js';
import { jsonSyntaxError } from '../../src/auth/file.js';
import { b64, makeSandbox, QCI, TOKEN, type Sandbox } from './sandbox.js';

/** Every way a caller might print a value. */
function printed(value: unknown): string {
  return [
    JSON.stringify(value),
    inspect(value, { depth: Infinity, showHidden: true }),
    String(value),
  ].join('\n');
}

const JWT =
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6cDppbWFnZS1wdWxsZXIifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('printing parsed files and results', () => {
  const text = JSON.stringify({
    auths: {
      [QCI]: { auth: b64(`alice:${TOKEN}`) },
      [`${QCI}/openshift/ci`]: {
        auth: b64(`robot:${JWT}`),
        identitytoken: 'idtoken-SECRET-0123456789',
      },
      'docker.example.com': { identitytoken: 'refresh-SECRET-abcdefghij' },
      'weird.example.com': { auth: b64('nocolon-SECRET-zyxwvut') },
    },
    credHelpers: { 'gcr.io': 'gcloud' },
    HttpHeaders: { Authorization: 'Bearer header-SECRET-987654321' },
  });
  const secrets = [
    TOKEN,
    JWT,
    'idtoken-SECRET-0123456789',
    'refresh-SECRET-abcdefghij',
    'nocolon-SECRET-zyxwvut',
    'header-SECRET-987654321',
  ];
  const encoded = [
    b64(`alice:${TOKEN}`),
    b64(`robot:${JWT}`),
    b64('nocolon-SECRET-zyxwvut'),
  ];

  it('the file state, each entry and an effective-credential result hide every secret', () => {
    const state = parseAuthFileText(authFileRef('/x/auth.json'), text);
    expect(state.state).toBe('ok');
    if (state.state !== 'ok') return;
    const result = effectiveCredential([state], QCI, 'openshift/ci');
    const docker = effectiveCredential([state], QCI, 'openshift/ci', {
      engine: 'docker',
    });
    const all = [
      printed(state),
      printed(result),
      printed(docker),
      ...state.entries.flatMap((e) => [printed(e), e.describe(), `${e}`]),
    ].join('\n');
    for (const secret of [...secrets, ...encoded])
      expect(all).not.toContain(secret);
    // …while the secrets stay reachable on purpose.
    expect(result.winner?.entry?.secret()).toBe(JWT);
    expect(state.entries[0]?.password()).toBe(TOKEN);
    expect(state.entries[1]?.identityToken()).toBe('idtoken-SECRET-0123456789');
  });

  it('shows a masked secret that tells tokens apart', () => {
    const state = parseAuthFileText(authFileRef('/x/auth.json'), text);
    if (state.state !== 'ok') throw new Error('not ok');
    expect(state.entries[0]?.describe()).toBe(
      `${QCI}: user "alice", password sha256~Zm9v…`,
    );
    expect(state.entries[0]?.toJSON()).toEqual({
      key: QCI,
      host: QCI,
      repository: null,
      kind: 'basic',
      problem: null,
      user: 'alice',
      secret: 'sha256~Zm9v…',
      identityToken: false,
    });
    expect(inspect(state.entries[2])).toBe(
      'AuthEntry(docker.example.com: identity token refr…)',
    );
    expect(Object.keys(state.entries[0] ?? {})).not.toContain('password');
  });

  it('property: no user/secret pair ever prints its secret', () => {
    const secret = fc
      .stringMatching(/^[A-Za-z0-9_~.-]{12,60}$/)
      .map((s) => `S3CR3T${s}`);
    const user = fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/);
    fc.assert(
      fc.property(
        user,
        secret,
        fc.constantFrom(QCI, `https://${QCI}/v1/`, `${QCI}/openshift/ci`),
        (u, s, key) => {
          const state = parseAuthFileText(
            authFileRef('/x/auth.json'),
            JSON.stringify({ auths: { [key]: { auth: b64(`${u}:${s}`) } } }),
          );
          if (state.state !== 'ok') return false;
          const out =
            printed(state) +
            printed(effectiveCredential([state], QCI, 'openshift/ci')) +
            (state.entries[0]?.describe() ?? '');
          return (
            !out.includes(s) &&
            !out.includes(b64(`${u}:${s}`)) &&
            state.entries[0]?.secret() === s
          );
        },
      ),
    );
  });
});

describe('error messages', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => sb.cleanup());

  // Broken files whose syntax error sits right next to a secret.
  const broken = [
    `{"auths": {"${QCI}": {"auth": ${TOKEN}}}}`,
    `{"auths": {"${QCI}": {"auth": "${b64(`u:${TOKEN}`)}" "identitytoken": "${JWT}"}}}`,
    `{"auths": {"${QCI}": {"auth": "${TOKEN}`,
    `{"auths": {"${QCI}": {"auth": "${b64(`u:${TOKEN}`)}"}}} ${JWT}`,
  ];
  it.each(broken)(
    'corrupt file %#: read and write errors quote nothing from it',
    async (text) => {
      const path = sb.write(sb.path('auth.json'), text);
      const state = await readAuthFile(path);
      expect(state.state).toBe('corrupt');
      let message = '';
      try {
        await updateAuthFile(path, () => undefined);
      } catch (error) {
        message = `${(error as Error).message} ${(error as { hint?: string }).hint ?? ''} ${inspect(error)}`;
      }
      expect(message).toContain('not valid JSON');
      const everything = printed(state) + message;
      for (const secret of [
        TOKEN.slice(7),
        JWT.slice(0, 20),
        b64(`u:${TOKEN}`),
      ])
        expect(everything).not.toContain(secret);
    },
  );

  it('a rejected credential is not echoed', async () => {
    for (const secret of [`${TOKEN}\n`, `${TOKEN}\r`]) {
      const error = await setCredential(
        sb.path('a.json'),
        QCI,
        'u',
        secret,
      ).catch((e: unknown) => e);
      expect(printed(error)).not.toContain(TOKEN.slice(7));
    }
  });
});

describe('jsonSyntaxError agrees with JSON.parse', () => {
  it('property: it finds an error exactly when JSON.parse throws', () => {
    const jsonish = fc.oneof(
      fc.json(),
      fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
      fc
        .tuple(
          fc.json(),
          fc.nat(),
          fc.constantFrom(
            ',',
            '}',
            ']',
            '"',
            ':',
            'x',
            '\\',
            ' ',
            '\n',
            '\u0001',
          ),
        )
        .map(([j, n, c]) => {
          const at = j.length === 0 ? 0 : n % j.length;
          return j.slice(0, at) + c + j.slice(at);
        }),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        return (
          (jsonSyntaxError(text) === undefined) === valid &&
          parseJsonText(text).ok === (valid && text.trim() !== '')
        );
      }),
      { numRuns: 2000 },
    );
  });
});

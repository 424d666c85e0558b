import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authFileRef,
  parseAuthFileText,
  readAuthFile,
  type AuthFileOk,
  type AuthFileState,
} from '../../src/auth/index.js';
import { b64, makeSandbox, QCI, TOKEN, type Sandbox } from './sandbox.js';

const AUTH_JSON = authFileRef('/x/containers/auth.json');
const DOCKER = authFileRef('/x/.docker/config.json');
const LEGACY = authFileRef('/x/.dockercfg');

function ok(state: AuthFileState): AuthFileOk {
  if (state.state !== 'ok')
    throw new Error(
      `expected ok, got ${state.state}: ${'reason' in state ? state.reason : ''}`,
    );
  return state;
}
const parse = (json: unknown, ref = AUTH_JSON) =>
  parseAuthFileText(
    ref,
    typeof json === 'string' ? json : JSON.stringify(json),
  );
const entry = (json: unknown, key: string, ref = AUTH_JSON) => {
  const found = ok(parse(json, ref)).entries.find((e) => e.key === key);
  if (!found) throw new Error(`no entry ${key}`);
  return found;
};

describe('entry forms', () => {
  // key, entry JSON, expected {host, repository, kind, user, secret}
  const cases: [
    string,
    string,
    unknown,
    {
      host: string;
      repository?: string;
      kind: string;
      user?: string;
      secret?: string;
      problem?: string;
    },
  ][] = [
    [
      'basic auth',
      QCI,
      { auth: b64(`alice:${TOKEN}`) },
      { host: QCI, kind: 'basic', user: 'alice', secret: TOKEN },
    ],
    [
      'password split at the FIRST colon',
      QCI,
      { auth: b64('bob:pa:ss:word') },
      { host: QCI, kind: 'basic', user: 'bob', secret: 'pa:ss:word' },
    ],
    [
      'NUL padding trimmed',
      QCI,
      { auth: b64('u:secret\0\0') },
      { host: QCI, kind: 'basic', user: 'u', secret: 'secret' },
    ],
    [
      'empty user',
      QCI,
      { auth: b64(':tok') },
      { host: QCI, kind: 'basic', user: '', secret: 'tok' },
    ],
    [
      'identity token only',
      'myregistry.example.com',
      { identitytoken: 'refresh-token-xyz' },
      {
        host: 'myregistry.example.com',
        kind: 'identity-token',
        secret: 'refresh-token-xyz',
      },
    ],
    [
      'auth and identity token',
      QCI,
      { auth: b64('u:p4ss'), identitytoken: 'idt' },
      { host: QCI, kind: 'basic', user: 'u', secret: 'p4ss' },
    ],
    ['{} placeholder', QCI, {}, { host: QCI, kind: 'placeholder' }],
    ['null entry', QCI, null, { host: QCI, kind: 'placeholder' }],
    [
      'empty auth string',
      QCI,
      { auth: '' },
      { host: QCI, kind: 'placeholder' },
    ],
    [
      'per-repository key',
      `${QCI}/openshift/ci`,
      { auth: b64('u:p') },
      {
        host: QCI,
        repository: 'openshift/ci',
        kind: 'basic',
        user: 'u',
        secret: 'p',
      },
    ],
    [
      'https key with /v1/',
      `https://${QCI}/v1/`,
      { auth: b64('u:p') },
      { host: QCI, kind: 'basic', user: 'u', secret: 'p' },
    ],
    [
      'http key',
      `http://${QCI}`,
      { auth: b64('u:p') },
      { host: QCI, kind: 'basic', user: 'u', secret: 'p' },
    ],
    [
      'host with port',
      '127.0.0.1:5000',
      { auth: b64('u:p') },
      { host: '127.0.0.1:5000', kind: 'basic', user: 'u', secret: 'p' },
    ],
    [
      'auth not base64',
      QCI,
      { auth: 'not base64!' },
      { host: QCI, kind: 'invalid', problem: 'not-base64' },
    ],
    [
      'auth without padding is not Go StdEncoding',
      QCI,
      { auth: b64('u:pp').replace(/=+$/, '') },
      { host: QCI, kind: 'invalid', problem: 'not-base64' },
    ],
    [
      'auth without colon',
      QCI,
      { auth: b64('justatoken') },
      { host: QCI, kind: 'invalid', problem: 'no-colon' },
    ],
  ];
  it.each(cases)('%s', (_name, key, raw, want) => {
    const e = entry({ auths: { [key]: raw } }, key);
    expect({
      host: e.host,
      repository: e.repository,
      kind: e.kind,
      user: e.user,
      secret: e.secret(),
      problem: e.problem,
    }).toEqual({
      host: want.host,
      repository: want.repository,
      kind: want.kind,
      user: want.user,
      secret: want.secret,
      problem: want.problem,
    });
  });

  it('keeps every entry in file order, with unknown entry fields listed', () => {
    const file = ok(
      parse({
        auths: {
          b: { auth: b64('u:p'), email: 'u@example.com', extra: 1 },
          a: {},
        },
      }),
    );
    expect(file.entries.map((e) => e.key)).toEqual(['b', 'a']);
    expect(file.entries[0]?.email).toBe('u@example.com');
    expect(file.entries[0]?.otherFields).toEqual(['extra']);
  });

  it('matches field names case-insensitively, as Go does', () => {
    const file = ok(
      parse({
        Auths: { [QCI]: { Auth: b64('u:p') } },
        CredHelpers: { 'x.io': 'pass' },
      }),
    );
    expect(file.entries[0]?.user).toBe('u');
    expect(file.credHelpers).toEqual({ 'x.io': 'pass' });
    expect(file.otherKeys).toEqual([]);
  });
});

describe('file-level keys', () => {
  it('reads credHelpers and credsStore and lists other top-level keys', () => {
    const file = ok(
      parse(
        {
          auths: { [QCI]: {} },
          credHelpers: { 'gcr.io': 'gcloud', 'bad.io': null },
          credsStore: 'secretservice',
          HttpHeaders: { 'User-Agent': 'x' },
          psFormat: 'table {{.ID}}',
          currentContext: 'default',
        },
        DOCKER,
      ),
    );
    expect(file.credHelpers).toEqual({ 'gcr.io': 'gcloud' });
    expect(file.credsStore).toBe('secretservice');
    expect(file.otherKeys).toEqual([
      'HttpHeaders',
      'psFormat',
      'currentContext',
    ]);
  });

  it('an empty object, null auths and a null file are fine', () => {
    expect(ok(parse({})).entries).toEqual([]);
    expect(ok(parse({ auths: null })).entries).toEqual([]);
    const nullFile = ok(parse('null'));
    expect(nullFile.entries).toEqual([]);
    expect(nullFile.warnings[0]).toContain('holds null');
  });

  it('legacy .dockercfg: entries at the top level, URL keys, no helpers', () => {
    const file = ok(
      parse(
        {
          'https://index.docker.io/v1/': { auth: b64('d:p'), email: 'd@x' },
          [`${QCI}/openshift/ci`]: { auth: b64('q:t') },
        },
        LEGACY,
      ),
    );
    expect(
      file.entries.map((e) => [e.key, e.host, e.repository, e.user]),
    ).toEqual([
      ['https://index.docker.io/v1/', 'index.docker.io', undefined, 'd'],
      // The legacy reader cuts every key to its host.
      [`${QCI}/openshift/ci`, QCI, undefined, 'q'],
    ]);
    expect(file.credHelpers).toEqual({});
  });

  it('warns about the legacy layout in a new-format file, and the new layout in .dockercfg', () => {
    expect(ok(parse({ [QCI]: { auth: b64('u:p') } })).warnings[0]).toContain(
      'without an "auths" wrapper',
    );
    expect(
      ok(parse({ auths: { [QCI]: { auth: b64('u:p') } } }, LEGACY)).warnings[0],
    ).toContain('"auths" wrapper');
  });
});

describe('corrupt files', () => {
  // name, text, reason fragment, field
  const cases: [string, string, RegExp, string | undefined][] = [
    [
      'truncated JSON',
      '{"auths": {',
      /is not valid JSON \(it ends early, where a double-quoted property name was expected\)/,
      undefined,
    ],
    [
      'syntax error with a location',
      '{\n  "auths": {\n    "h": {"auth": x}\n  }\n}',
      /is not valid JSON \(syntax error at line 3, column 19: expected a value\)/,
      undefined,
    ],
    ['empty file', '', /is empty/, undefined],
    ['whitespace only', '  \n', /is empty/, undefined],
    ['byte-order mark', '\uFEFF{}', /byte-order mark/, undefined],
    [
      'top-level array',
      '[]',
      /the top level must be a JSON object, not an array/,
      '(top level)',
    ],
    ['top-level string', '"x"', /not a string/, '(top level)'],
    [
      'auths is an array',
      '{"auths": []}',
      /auths must be an object, not an array/,
      'auths',
    ],
    [
      'auths is a string',
      '{"auths": "x"}',
      /auths must be an object, not a string/,
      'auths',
    ],
    [
      'entry is a string',
      `{"auths": {"${QCI}": "x"}}`,
      /auths\["quay-proxy\.ci\.openshift\.org"\] must be an object, not a string/,
      `auths["${QCI}"]`,
    ],
    [
      'auth is a number',
      `{"auths": {"${QCI}": {"auth": 5}}}`,
      /auths\["quay-proxy\.ci\.openshift\.org"\]\.auth must be a string, not a number/,
      `auths["${QCI}"].auth`,
    ],
    [
      'identitytoken is an object',
      `{"auths": {"h": {"identitytoken": {}}}}`,
      /auths\.h\.identitytoken must be a string, not an object/,
      'auths.h.identitytoken',
    ],
    [
      'credHelpers value is a number',
      '{"credHelpers": {"gcr.io": 1}}',
      /credHelpers\["gcr\.io"\] must be a string, not a number/,
      'credHelpers["gcr.io"]',
    ],
    [
      'credsStore is a boolean',
      '{"credsStore": true}',
      /credsStore must be a string, not a boolean/,
      'credsStore',
    ],
  ];
  it.each(cases)('%s', (_name, text, reason, field) => {
    const state = parse(text);
    expect(state.state).toBe('corrupt');
    if (state.state !== 'corrupt') return;
    expect(state.reason.startsWith(`${AUTH_JSON.path}: `)).toBe(true);
    expect(state.reason).toMatch(reason);
    expect(state.field).toBe(field);
  });

  it('legacy file with a non-object entry', () => {
    const state = parse('{"h": 3}', LEGACY);
    expect(state.state === 'corrupt' && state.reason).toBe(
      '/x/.dockercfg: h must be an object, not a number',
    );
  });

  it('absurdly deep nesting is still just corrupt', () => {
    const state = parse('['.repeat(200_000));
    expect(state.state).toBe('corrupt');
  });

  it('never quotes the text it could not parse', () => {
    const state = parse(`{"auths": {"${QCI}": {"auth": ${TOKEN}}}}`);
    expect(state.state).toBe('corrupt');
    expect(JSON.stringify(state)).not.toContain(TOKEN.slice(7, 20));
  });
});

describe('readAuthFile', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => sb.cleanup());

  it('a missing file is absent', async () => {
    const state = await readAuthFile(
      join(sb.runtimeDir, 'containers', 'auth.json'),
    );
    expect(state.state).toBe('absent');
  });

  it('reads a real file by path, format from the name', async () => {
    const path = sb.write(join(sb.home, '.docker', 'config.json'), {
      auths: { [QCI]: { auth: b64('u:p') } },
      credsStore: 'pass',
    });
    const state = ok(await readAuthFile(path));
    expect(state.ref.format).toBe('docker-config');
    expect(state.entries[0]?.user).toBe('u');
    expect(state.credsStore).toBe('pass');
  });

  it('a directory is unreadable, not a crash', async () => {
    const path = join(sb.root, 'dir.json');
    mkdirSync(path);
    const state = await readAuthFile(path);
    expect(state.state).toBe('unreadable');
    expect(state.state === 'unreadable' && state.reason).toBe(
      `${path}: is a directory`,
    );
  });

  it('a parent that is a file is unreadable', async () => {
    writeFileSync(join(sb.root, 'file'), 'x');
    const state = await readAuthFile(join(sb.root, 'file', 'auth.json'));
    expect(state.state).toBe('unreadable');
  });

  it('a corrupt real file names its path', async () => {
    const path = sb.write(
      join(sb.configHome, 'containers', 'auth.json'),
      '{"auths": {"x": {"auth": 1}}}',
    );
    const state = await readAuthFile(path);
    expect(state.state === 'corrupt' && state.reason).toBe(
      `${path}: auths.x.auth must be a string, not a number`,
    );
  });
});

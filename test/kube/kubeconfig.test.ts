import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as yamlParse } from 'yaml';
import { CORE_SCHEMA, load as jsYamlLoad } from 'js-yaml';
import fc from 'fast-check';
import {
  expandedNodes,
  loadKubeconfig,
  mergeKubeconfigs,
  readKubeconfigs,
} from '../../src/kube/kubeconfig.js';
import {
  APP_CI_SERVER,
  findAppCiContext,
  oauthTokenObjectName,
} from '../../src/kube/appci.js';
import { QciError } from '../../src/core/errors.js';
import { describeExpiry, tokenFacts } from '../../src/core/token.js';
import { tempDir } from '../helpers/temp.js';

const dir = () => tempDir('qci-kube-');

function kubeconfig(
  path: string,
  o: {
    contexts: [string, string, string][];
    clusters: [string, string][];
    users: [string, Record<string, string>][];
    current?: string;
  },
) {
  const yaml = [
    'apiVersion: v1',
    'kind: Config',
    o.current ? `current-context: ${o.current}` : '',
    'clusters:',
    ...o.clusters.map(
      ([name, server]) =>
        `- name: ${name}\n  cluster:\n    server: ${server}\n    certificate-authority: ca.crt`,
    ),
    'users:',
    ...o.users.map(
      ([name, user]) =>
        `- name: ${name}\n  user:\n${Object.entries(user)
          .map(([k, v]) => `    ${k}: ${v}`)
          .join('\n')}`,
    ),
    'contexts:',
    ...o.contexts.map(
      ([name, cluster, user]) =>
        `- name: ${name}\n  context:\n    cluster: ${cluster}\n    user: ${user}`,
    ),
  ].join('\n');
  writeFileSync(path, `${yaml}\n`);
  return path;
}

describe('loadKubeconfig: kubectl merge rules', () => {
  it('merges KUBECONFIG=a:b with the first file winning duplicate names and the first current-context', async () => {
    const d = dir();
    const a = kubeconfig(join(d, 'a'), {
      current: 'app.ci',
      clusters: [['appci', APP_CI_SERVER]],
      users: [['me/appci', { token: 'sha256~first' }]],
      contexts: [['app.ci', 'appci', 'me/appci']],
    });
    const b = kubeconfig(join(d, 'b'), {
      current: 'other',
      clusters: [
        ['appci', 'https://wrong.example:6443'],
        ['other', 'https://other.example:6443'],
      ],
      users: [['me/appci', { token: 'sha256~second' }]],
      contexts: [
        ['app.ci', 'other', 'me/appci'],
        ['other', 'other', 'me/appci'],
      ],
    });
    const merged = await loadKubeconfig({
      KUBECONFIG: `${a}:${join(d, 'missing')}:${b}`,
    });
    expect(merged.files).toEqual([a, b]);
    expect(merged.config['current-context']).toBe('app.ci');
    expect(merged.config.clusters.map((c) => c.name)).toEqual([
      'appci',
      'other',
    ]);
    const ctx = findAppCiContext(merged);
    expect(ctx).toMatchObject({
      name: 'app.ci',
      server: APP_CI_SERVER,
      token: 'sha256~first',
      foundBy: 'named app.ci',
      file: a,
    });
    // Relative paths are relative to the file that holds them.
    expect(
      (merged.config.clusters[0]!.cluster as Record<string, string>)[
        'certificate-authority'
      ],
    ).toBe(join(d, 'ca.crt'));
  });

  it('reads and trims the tokenFile user key', async () => {
    const d = dir();
    writeFileSync(join(d, 'token'), 'sha256~fromfile\n');
    const path = kubeconfig(join(d, 'config'), {
      clusters: [['c', APP_CI_SERVER]],
      users: [['u', { tokenFile: 'token' }]],
      contexts: [['api-ci', 'c', 'u']],
    });
    const ctx = findAppCiContext(await loadKubeconfig({ KUBECONFIG: path }));
    expect(ctx.token).toBe('sha256~fromfile');
    expect(ctx.foundBy).toBe(`server URL ${APP_CI_SERVER}`);
  });

  it("another user's missing tokenFile does not break the app.ci context (read lazily, as kubectl does)", async () => {
    const d = dir();
    const path = kubeconfig(join(d, 'config'), {
      clusters: [
        ['c', APP_CI_SERVER],
        ['other', 'https://other.example:6443'],
      ],
      users: [
        ['me', { token: 'sha256~mine' }],
        ['bob', { tokenFile: '/nonexistent/token' }],
      ],
      contexts: [
        ['app.ci', 'c', 'me'],
        ['bobs', 'other', 'bob'],
      ],
    });
    expect(
      findAppCiContext(await loadKubeconfig({ KUBECONFIG: path })).token,
    ).toBe('sha256~mine');
    await expect(
      Promise.resolve().then(async () =>
        findAppCiContext(await loadKubeconfig({ KUBECONFIG: path }), {
          name: 'bobs',
          source: '--context',
        }),
      ),
    ).rejects.toThrow('cannot read its tokenFile /nonexistent/token');
  });

  it('read ahead (kube/warm.ts): merged unchecked, the same kubeconfig and context as loadKubeconfig; still checked after', async () => {
    const d = dir();
    const name = fc.constantFrom('app.ci', 'appci', 'other', 'b02');
    const server = fc.constantFrom(
      APP_CI_SERVER,
      'https://other.example:6443',
      'https://api.build02.example.com:6443',
    );
    const file = fc.record({
      current: fc.option(name, { nil: undefined }),
      clusters: fc.array(fc.tuple(name, server), { maxLength: 3 }),
      users: fc.array(
        fc.tuple(
          name,
          fc.constantFrom<Record<string, string>>(
            { token: 'sha256~a' },
            { token: 'sha256~b' },
            {},
          ),
        ),
        { maxLength: 3 },
      ),
      contexts: fc.array(fc.tuple(name, name, name), { maxLength: 3 }),
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(file, { minLength: 1, maxLength: 3 }),
        async (files) => {
          const KUBECONFIG = files
            .map((f) => kubeconfig(join(d, `k${++n}`), f))
            .join(':');
          const env = { KUBECONFIG };
          const read = await readKubeconfigs(env);
          const checked = await loadKubeconfig(env);
          expect(mergeKubeconfigs(read)).toEqual(checked);
          expect(await loadKubeconfig(env, read)).toEqual(checked);
          const found = (m: typeof checked) => {
            try {
              return findAppCiContext(m);
            } catch (error) {
              return (error as Error).message;
            }
          };
          expect(found(mergeKubeconfigs(read))).toEqual(found(checked));
        },
      ),
      { numRuns: 60 },
    );
    // What the schema refuses is refused when the files were read ahead, too.
    const bad = join(d, 'bad');
    writeFileSync(
      bad,
      `clusters:\n- cluster:\n    server: ${APP_CI_SERVER}\ncontexts: []\n`,
    );
    const read = await readKubeconfigs({ KUBECONFIG: bad });
    await expect(loadKubeconfig({ KUBECONFIG: bad }, read)).rejects.toThrow(
      /clusters\[0\]\.name/,
    );
  });

  it('finds app.ci by its server URL when no context is named app.ci (oc login names)', async () => {
    const d = dir();
    const path = kubeconfig(join(d, 'config'), {
      clusters: [
        ['api-ci-l2s4-p1-openshiftapps-com:6443', `${APP_CI_SERVER}/`],
        ['build02', 'https://api.build02.example:6443'],
      ],
      users: [
        ['alice/api-ci-l2s4-p1-openshiftapps-com:6443', { token: 'sha256~x' }],
      ],
      contexts: [
        [
          'default/build02/alice',
          'build02',
          'alice/api-ci-l2s4-p1-openshiftapps-com:6443',
        ],
        [
          'ci/api-ci-l2s4-p1-openshiftapps-com:6443/alice',
          'api-ci-l2s4-p1-openshiftapps-com:6443',
          'alice/api-ci-l2s4-p1-openshiftapps-com:6443',
        ],
      ],
    });
    expect(
      findAppCiContext(await loadKubeconfig({ KUBECONFIG: path })).name,
    ).toBe('ci/api-ci-l2s4-p1-openshiftapps-com:6443/alice');
  });

  it.each([
    ['file:///etc/passwd', { token: 't' }, 'is not an https:// URL (file:)'],
    ['"javascript:alert(1)"', { token: 't' }, 'is not an https:// URL'],
    [
      '127.0.0.1:1',
      { token: 't' },
      'is not a URL (it needs https:// and a host)',
    ],
    [
      'https://api.ci.example:6443',
      { token: '"sha256~abc\\ndef"' },
      'the token of user "u" has a line break or a control character in it',
    ],
  ])(
    'a context whose server is %s, or whose token is not one word: a kubeconfig error naming it, not "cannot reach"',
    async (server, user, words) => {
      const path = kubeconfig(join(dir(), 'config'), {
        clusters: [['c', server]],
        users: [['u', user]],
        contexts: [['app.ci', 'c', 'u']],
      });
      const merged = await loadKubeconfig({ KUBECONFIG: path });
      expect(() => findAppCiContext(merged)).toThrow(words);
      expect(() => findAppCiContext(merged)).toThrow(
        expect.objectContaining({ kind: 'bad-kubeconfig' }),
      );
    },
  );

  it('no app.ci context: a clear error listing the contexts that exist and how to log in', async () => {
    const d = dir();
    const path = kubeconfig(join(d, 'config'), {
      clusters: [['build02', 'https://api.build02.example:6443']],
      users: [['u', { token: 't' }]],
      contexts: [['build02', 'build02', 'u']],
    });
    const merged = await loadKubeconfig({ KUBECONFIG: path });
    expect(() => findAppCiContext(merged)).toThrow(
      /no app.ci context.*build02 \(https:\/\/api.build02.example:6443\)/,
    );
    expect(() => findAppCiContext(merged)).toThrow(QciError);
    try {
      findAppCiContext(merged);
    } catch (e) {
      expect((e as QciError).hint).toContain('oauth/token/request');
      expect((e as QciError).exitCode).toBe(3);
    }
    expect(() =>
      findAppCiContext(merged, { name: 'nope', source: '--context' }),
    ).toThrow('kube context "nope" (from --context) does not exist');
    // Not found (5), not "log in" (3): the user named a context that is not there.
    expect(() =>
      findAppCiContext(merged, { name: 'nope', source: '--context' }),
    ).toThrow(expect.objectContaining({ exitCode: 5 }));
  });

  it.each([
    ['clusters:\n- cluster:\n    server: https://x\n', 'clusters[0].name'],
    ['users: just-a-string\n', 'users'],
    [
      'contexts:\n- name: c\n  context:\n    cluster: [1, 2]\n',
      'contexts[0].context.cluster',
    ],
    ['current-context: 5\n', 'current-context'],
  ])(
    'a kubeconfig of the wrong shape names the file and the field (%#)',
    async (yaml, field) => {
      const d = dir();
      writeFileSync(join(d, 'config'), yaml);
      await expect(
        loadKubeconfig({ KUBECONFIG: join(d, 'config') }),
      ).rejects.toThrow(`kubeconfig ${join(d, 'config')}: ${field}: `);
    },
  );

  it('an alias bomb is refused at once, and the line of a YAML error is told', async () => {
    const d = dir();
    // Nine levels of ten aliases each: a billion strings once expanded (JSON for the kube client).
    const levels = ['a: &l0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `l${i}: &l${i} [${Array(10)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    writeFileSync(
      join(d, 'bomb'),
      `${levels.join('\n')}\nclusters:\n- name: c\n  cluster:\n    server: https://x\n    extra: *l8\n`,
    );
    await expect(
      loadKubeconfig({ KUBECONFIG: join(d, 'bomb') }),
    ).rejects.toThrow(
      `kubeconfig ${join(d, 'bomb')}: not valid YAML (too many aliases)`,
    );
    writeFileSync(
      join(d, 'line'),
      'apiVersion: v1\nclusters:\n- name: c\n  cluster: {server: https://x\n',
    );
    await expect(
      loadKubeconfig({ KUBECONFIG: join(d, 'line') }),
    ).rejects.toThrow(/not valid YAML \(line [45]\)/);
  });

  it('aliases in moderation are read like any other value', async () => {
    const d = dir();
    writeFileSync(
      join(d, 'config'),
      [
        'clusters:',
        '- name: a',
        '  cluster: &shared {server: https://a.example.com:6443, insecure-skip-tls-verify: true}',
        '- name: b',
        '  cluster: *shared',
        'contexts: []',
        'users: []',
      ].join('\n'),
    );
    const merged = await loadKubeconfig({ KUBECONFIG: join(d, 'config') });
    expect(merged.config.clusters.map((c) => c.cluster)).toEqual([
      {
        server: 'https://a.example.com:6443',
        'insecure-skip-tls-verify': true,
      },
      {
        server: 'https://a.example.com:6443',
        'insecure-skip-tls-verify': true,
      },
    ]);
    expect(expandedNodes({ a: [1, 2, { b: 3 }] }, 100)).toBe(6);
    expect(expandedNodes({ a: [1, 2, { b: 3 }] }, 5)).toBeUndefined();
  });

  // kubeconfigs are read with js-yaml's core schema (the kube client's parser); qci read them with
  // yaml's before. Both must read every kubeconfig-shaped document alike: generated ones in the styles
  // oc, kubectl, kind and hand editing write (block, flow, quoting, comments, anchors, exec plugins).
  it.each([
    ['a byte-order mark', '\ufeffapiVersion: v1\nclusters: []\n'],
    [
      'CRLF line ends',
      'apiVersion: v1\r\nclusters:\r\n- name: a\r\n  cluster: {server: https://a}\r\n',
    ],
    ['a lone document marker', '---\n'],
    [
      'a merge key (not one in YAML 1.2)',
      'base: &b {server: https://a}\nc:\n  <<: *b\n  name: x\n',
    ],
    ['an empty file', ''],
    ['comments only', '# nothing here\n'],
  ])('js-yaml (core schema) and yaml read %s alike', (_, text) => {
    expect(jsYamlLoad(text, { schema: CORE_SCHEMA }) ?? null).toEqual(
      yamlParse(text) ?? null,
    );
  });

  it.each([
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['a duplicate key', 'clusters: []\nclusters: []\n'],
    ['a tab for indentation', 'clusters:\n\t- name: a\n'],
    ['an unclosed flow mapping', 'cluster: {server: https://a\n'],
  ])('js-yaml and yaml both refuse %s', (_, text) => {
    expect(() => jsYamlLoad(text, { schema: CORE_SCHEMA })).toThrow();
    expect(() => yamlParse(text)).toThrow();
  });

  it('js-yaml (core schema) and yaml read generated kubeconfigs alike', () => {
    let seed = 20261130;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: T[]): T => xs[rand(xs.length)]!;
    const scalar = (v: string) => pick([v, `"${v}"`, `'${v}'`]);
    for (let doc = 0; doc < 200; doc++) {
      const lines = [
        pick(['apiVersion: v1', "apiVersion: 'v1'", '# by oc\napiVersion: v1']),
        'kind: Config',
      ];
      const n = 1 + rand(6);
      lines.push('clusters:');
      for (let i = 0; i < n; i++) {
        const server = `https://api.c${i}.example.com:${pick(['6443', '443'])}`;
        if (rand(3) === 0)
          lines.push(
            `- {name: ${scalar(`c${i}`)}, cluster: {server: ${scalar(server)}}}`,
          );
        else {
          lines.push(`- cluster:`);
          if (rand(2))
            lines.push(
              `    certificate-authority-data: ${'LS0t'.repeat(1 + rand(30))}`,
            );
          if (rand(4) === 0)
            lines.push(
              `    insecure-skip-tls-verify: ${pick(['true', 'false'])}`,
            );
          if (rand(5) === 0)
            lines.push(
              '    proxy-url: http://proxy.example.com:3128 # corporate',
            );
          lines.push(`    server: ${scalar(server)}`);
          lines.push(`  name: ${scalar(`api-c${i}-example-com:6443`)}`);
        }
      }
      lines.push('contexts:');
      for (let i = 0; i < n; i++)
        lines.push(
          `- context:`,
          `    cluster: api-c${i}-example-com:6443`,
          ...(rand(2)
            ? [
                // Scalars whose type a schema decides (YAML 1.1 and 1.2 differ on several).
                `    namespace: ${pick(['default', 'ci', '"0123"', '0123', 'on', 'yes', 'No', '2024-01-01', '0x1F', '0o17', '1_000', '.inf', '-.Inf', '.NaN', '~', 'Null', '+12', '-0', '1e3', '.5', '12:30', '"\\u00e9t\\u00e9"'])}`,
              ]
            : []),
          `    user: ${scalar(`me/api-c${i}-example-com:6443`)}`,
          `  name: ${pick([`default/api-c${i}-example-com:6443/me`, 'app.ci', `c${i}`])}`,
        );
      lines.push(`current-context: ${pick(['app.ci', 'c0', '""', "''"])}`);
      lines.push(pick(['preferences: {}', 'preferences: {colors: true}', '']));
      lines.push('users:');
      for (let i = 0; i < n; i++) {
        lines.push(`- name: me/api-c${i}-example-com:6443`, '  user:');
        const kind = rand(4);
        if (kind === 0)
          lines.push(`    token: ${scalar(`sha256~${'aB9_-'.repeat(8)}abc`)}`);
        else if (kind === 1)
          lines.push('    tokenFile: ../tokens/t', '    as: "system:admin"');
        else if (kind === 2)
          lines.push(
            '    exec:',
            '      apiVersion: client.authentication.k8s.io/v1beta1',
            '      command: oc',
            `      args: ${pick(['[get-token, --x]', '\n      - get-token\n      - "--x"'])}`,
            '      env: null',
            '      interactiveMode: IfAvailable',
          );
        else
          lines.push(
            `    client-certificate-data: ${'LS0t'.repeat(5)}`,
            `    client-key-data: ${'LS0t'.repeat(5)}`,
          );
      }
      const text = `${lines.join('\n')}\n`;
      expect(jsYamlLoad(text, { schema: CORE_SCHEMA }), text).toEqual(
        yamlParse(text),
      );
    }
  });

  it('corrupt YAML and a missing kubeconfig are clear errors with the path', async () => {
    const d = dir();
    writeFileSync(join(d, 'bad'), 'clusters: [\n');
    await expect(
      loadKubeconfig({ KUBECONFIG: join(d, 'bad') }),
    ).rejects.toThrow(`kubeconfig ${join(d, 'bad')}: not valid YAML`);
    await expect(loadKubeconfig({ HOME: d })).rejects.toThrow(
      `no kubeconfig found (looked at ${join(d, '.kube', 'config')})`,
    );
  });
});

describe('tokens', () => {
  it('names an OAuth token object as sha256~ + base64url(sha256(token without its prefix))', async () => {
    // sha256("abc") in base64url, no padding.
    expect(await oauthTokenObjectName('sha256~abc')).toBe(
      'sha256~ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0',
    );
  });

  it('reads a service-account JWT expiry without a network call', () => {
    const payload = Buffer.from(
      JSON.stringify({
        sub: 'system:serviceaccount:p:image-puller',
        exp: 2_000_000_000,
        iat: 1_999_990_000,
      }),
    ).toString('base64url');
    const facts = tokenFacts(`eyJhbGciOiJSUzI1NiJ9.${payload}.sig`);
    expect(facts).toMatchObject({
      kind: 'service-account',
      subject: 'system:serviceaccount:p:image-puller',
    });
    expect(facts.expiresAt?.toISOString()).toBe('2033-05-18T03:33:20.000Z');
    expect(tokenFacts(`sha256~${'a'.repeat(43)}`).kind).toBe('oauth');
    expect(tokenFacts('garbage.more.x').kind).toBe('unknown');
  });

  it.each([
    [12 * 86400 + 5, 'expires in 12 days'],
    [5 * 3600, 'expires in 5 hours'],
    [30 * 60, 'expires in 30 minutes'],
    [-3 * 86400, 'expired 3 days ago'],
  ])('describes an expiry %i s away as %s', (seconds, text) => {
    const now = new Date('2026-11-28T00:00:00Z');
    expect(describeExpiry(new Date(now.getTime() + seconds * 1000), now)).toBe(
      text,
    );
  });
});

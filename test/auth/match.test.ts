import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  authFileCandidates,
  authFileRef,
  effectiveCredential,
  matchEntry,
  parseAuthFileText,
  readAuthFiles,
  type AuthFileRef,
  type AuthFileState,
} from '../../src/auth/index.js';
import { b64, OLD_TOKEN, QCI, TOKEN, useSandbox } from './sandbox.js';

const file = (
  json: unknown,
  ref: AuthFileRef | string = '/x/auth.json',
): AuthFileState =>
  parseAuthFileText(
    typeof ref === 'string' ? authFileRef(ref) : ref,
    JSON.stringify(json),
  );
const cred = (user: string, secret = 'pw') => ({
  auth: b64(`${user}:${secret}`),
});
const absent = (path: string): AuthFileState => ({
  state: 'absent',
  ref: authFileRef(path),
  path,
});

describe('matchEntry: podman (containers/image rules)', () => {
  const all = file({
    auths: {
      [QCI]: cred('host'),
      [`${QCI}/openshift`]: cred('ns'),
      [`${QCI}/openshift/ci`]: cred('repo'),
      [`https://${QCI}/v1/`]: cred('url'),
      [`${QCI}.example.com`]: cred('other-host'),
      [`${QCI}:443`]: cred('with-port'),
    },
  });
  // repository looked up, expected key, how
  it.each([
    ['openshift/ci', `${QCI}/openshift/ci`, 'exact'],
    ['openshift/ci/', `${QCI}/openshift/ci`, 'exact'],
    ['openshift/other', `${QCI}/openshift`, 'namespace'],
    ['openshift/ci/deeper', `${QCI}/openshift/ci`, 'namespace'],
    ['other/repo', QCI, 'host'],
    [undefined, QCI, 'exact'],
  ] as const)('repository %s → %s (%s)', (repo, key, how) => {
    const m = matchEntry(all, QCI, repo);
    expect([m?.key, m?.how]).toEqual([key, how]);
  });

  it('the most specific key wins even when it is a placeholder (no fallback inside the file)', () => {
    const f = file({
      auths: { [`${QCI}/openshift/ci`]: {}, [QCI]: cred('host') },
    });
    expect(matchEntry(f, QCI, 'openshift/ci')?.entry?.kind).toBe('placeholder');
  });

  it.each([
    [`https://${QCI}/v1/`],
    [`https://${QCI}`],
    [`http://${QCI}/`],
    [`https://${QCI}/v2/some/path`],
  ])('a URL key %s is cut to its host', (key) => {
    const m = matchEntry(
      file({ auths: { [key]: cred('u') } }),
      QCI,
      'openshift/ci',
    );
    expect([m?.key, m?.how, m?.ambiguous]).toEqual([key, 'url', undefined]);
  });

  it('the exact key beats URL keys; two URL keys are ambiguous', () => {
    expect(
      matchEntry(
        file({
          auths: { [`https://${QCI}/v1/`]: cred('url'), [QCI]: cred('exact') },
        }),
        QCI,
      )?.entry?.user,
    ).toBe('exact');
    const m = matchEntry(
      file({
        auths: {
          [`https://${QCI}/v1/`]: cred('a'),
          [`http://${QCI}`]: cred('b'),
        },
      }),
      QCI,
    );
    expect([m?.how, m?.ambiguous]).toEqual(['url', true]);
  });

  it.each([
    [`${QCI}.example.com`, 'a longer host is another host'],
    [`${QCI}:443`, 'a port makes another host'],
    [`${QCI}/openshift/cix`, 'a sibling repository'],
    [`${QCI}/other`, 'another namespace'],
    [`https://example.com/${QCI}`, 'the host in a URL path'],
  ])('%s does not match (%s)', (key) => {
    expect(
      matchEntry(file({ auths: { [key]: cred('u') } }), QCI, 'openshift/ci'),
    ).toBeUndefined();
  });

  it('credHelpers for the host comes before any auths key', () => {
    const m = matchEntry(
      file({
        auths: { [`${QCI}/openshift/ci`]: cred('repo') },
        credHelpers: { [QCI]: 'secretservice' },
      }),
      QCI,
      'openshift/ci',
    );
    expect([m?.how, m?.helper]).toEqual(['credHelpers', 'secretservice']);
  });

  it('credsStore is ignored by podman', () => {
    expect(matchEntry(file({ credsStore: 'desktop' }), QCI)).toBeUndefined();
  });

  it('legacy .dockercfg: keys with a path name their host', () => {
    const legacy = file(
      { [`${QCI}/openshift/ci`]: cred('legacy') },
      '/h/.dockercfg',
    );
    const m = matchEntry(legacy, QCI, 'openshift/ci');
    expect([m?.key, m?.how]).toEqual([`${QCI}/openshift/ci`, 'url']);
  });

  it('docker.io is index.docker.io', () => {
    const m = matchEntry(
      file({ auths: { 'https://index.docker.io/v1/': cred('d') } }),
      'docker.io',
      'library/busybox',
    );
    expect(m?.entry?.user).toBe('d');
  });

  it('a missing or corrupt file matches nothing', () => {
    expect(matchEntry(absent('/x'), QCI)).toBeUndefined();
    expect(
      matchEntry(parseAuthFileText(authFileRef('/x'), '{'), QCI),
    ).toBeUndefined();
  });
});

describe('matchEntry: docker rules', () => {
  const docker = { engine: 'docker' } as const;
  it.each([
    [
      'credHelpers first',
      {
        credHelpers: { [QCI]: 'pass' },
        credsStore: 'desktop',
        auths: { [QCI]: cred('u') },
      },
      'credHelpers',
    ],
    [
      'then credsStore',
      { credsStore: 'desktop', auths: { [QCI]: cred('u') } },
      'credsStore',
    ],
    [
      'then the exact auths key',
      { auths: { [`https://${QCI}/v1/`]: cred('url'), [QCI]: cred('u') } },
      'exact',
    ],
    [
      'then any key with that hostname',
      { auths: { [`https://${QCI}/v1/`]: cred('url') } },
      'hostname',
    ],
    [
      'a per-repository key is cut to its host too',
      { auths: { [`${QCI}/openshift/ci`]: cred('repo') } },
      'hostname',
    ],
  ])('%s', (_name, json, how) => {
    expect(
      matchEntry(
        file(json, '/h/.docker/config.json'),
        QCI,
        'openshift/ci',
        docker,
      )?.how,
    ).toBe(how);
  });
});

function refs(...paths: string[]): AuthFileRef[] {
  return paths.map((p, i) =>
    authFileRef(p, {
      role: i === 0 ? 'primary' : 'fallback',
      readByPodmanLogout: i === 0,
      writtenByLogin: i === 0,
    }),
  );
}

describe('effectiveCredential: podman', () => {
  const [primary, config, docker] = refs(
    '/run/c/auth.json',
    '/h/.config/containers/auth.json',
    '/h/.docker/config.json',
  ) as [AuthFileRef, AuthFileRef, AuthFileRef];

  it('the first file holding a matching key wins; later files are shadowed', () => {
    const files = [
      file({ auths: { [QCI]: cred('first', TOKEN) } }, primary),
      file({ auths: { [`${QCI}/openshift/ci`]: cred('second') } }, config),
    ];
    const result = effectiveCredential(files, QCI, 'openshift/ci');
    expect(result.outcome).toBe('entry');
    expect(result.winner?.file.path).toBe(primary.path);
    expect(result.winner?.entry?.user).toBe('first');
    expect(result.winner?.entry?.secret()).toBe(TOKEN);
    expect(result.shadowed.map((s) => `${s.file.path} ${s.key}`)).toEqual([
      `${config.path} ${QCI}/openshift/ci`,
    ]);
  });

  it('no fallback to a later file when the winner is stale (credentials are not validated)', () => {
    const files = [
      absent(primary.path),
      file({ auths: { [QCI]: cred('stale', OLD_TOKEN) } }, config),
      file({ auths: { [QCI]: cred('fresh', TOKEN) } }, docker),
    ];
    const result = effectiveCredential(files, QCI);
    expect(result.winner?.entry?.user).toBe('stale');
    expect(result.shadowed.map((s) => s.entry?.user)).toEqual(['fresh']);
  });

  it('less specific keys in the winning file are shadowed too', () => {
    const files = [
      file(
        {
          auths: {
            [`${QCI}/openshift/ci`]: cred('repo'),
            [QCI]: cred('host'),
            [`https://${QCI}`]: cred('url'),
          },
        },
        primary,
      ),
    ];
    const result = effectiveCredential(files, QCI, 'openshift/ci');
    expect(result.winner?.key).toBe(`${QCI}/openshift/ci`);
    expect(result.shadowed.map((s) => s.key)).toEqual([QCI, `https://${QCI}`]);
  });

  it('a {} placeholder or identity-token entry is passed over: podman goes on with the NEXT FILE', () => {
    const files = [
      file(
        { auths: { [QCI]: {}, [`https://${QCI}`]: cred('same-file') } },
        primary,
      ),
      file({ auths: { [QCI]: { identitytoken: 'idt' } } }, config),
      file({ auths: { [QCI]: cred('docker') } }, docker),
    ];
    const result = effectiveCredential(files, QCI);
    expect(result.winner?.entry?.user).toBe('docker');
    expect(result.passedOver.map((p) => [p.file.path, p.key])).toEqual([
      [primary.path, QCI],
      [config.path, QCI],
    ]);
    expect(result.passedOver[0]?.reason).toContain('placeholder');
    expect(result.passedOver[1]?.reason).toContain('identity token');
    // The URL key beside the placeholder is never looked at.
    expect(result.shadowed.map((s) => s.key)).toEqual([`https://${QCI}`]);
  });

  it('an auth without ":" is passed over with a warning', () => {
    const files = [
      file({ auths: { [QCI]: { auth: b64('no-colon') } } }, primary),
      file({ auths: { [QCI]: cred('next') } }, config),
    ];
    const result = effectiveCredential(files, QCI);
    expect(result.winner?.entry?.user).toBe('next');
    expect(result.passedOver[0]?.reason).toContain('no ":"');
  });

  it('an auth that is not base64 stops the lookup with an error', () => {
    const files = [
      file({ auths: { [QCI]: { auth: '%%%' } } }, primary),
      file({ auths: { [QCI]: cred('next') } }, config),
    ];
    const result = effectiveCredential(files, QCI);
    expect(result.outcome).toBe('error');
    expect(result.error?.reason).toBe(
      `${primary.path}: auths key "${QCI}": "auth" is not valid base64`,
    );
    expect(result.shadowed.map((s) => s.entry?.user)).toEqual(['next']);
  });

  it('a corrupt file before any match stops the lookup; after the winner it is never read', () => {
    const broken = parseAuthFileText(config, '{"auths": ');
    const before = effectiveCredential(
      [
        absent(primary.path),
        broken,
        file({ auths: { [QCI]: cred('d') } }, docker),
      ],
      QCI,
    );
    expect(before.outcome).toBe('error');
    expect(before.error?.file.path).toBe(config.path);
    expect(before.error?.reason).toContain('is not valid JSON');
    const after = effectiveCredential(
      [file({ auths: { [QCI]: cred('p') } }, primary), broken],
      QCI,
    );
    expect(after.outcome).toBe('entry');
  });

  it('credHelpers takes part in file order; credsStore does not', () => {
    const files = [
      file({ credsStore: 'desktop', auths: { other: cred('x') } }, primary),
      file(
        { credHelpers: { [QCI]: 'pass' }, auths: { [QCI]: cred('same-file') } },
        config,
      ),
    ];
    const result = effectiveCredential(files, QCI);
    expect([
      result.outcome,
      result.winner?.helper,
      result.winner?.file.path,
    ]).toEqual(['helper', 'pass', config.path]);
    expect(result.shadowed.map((s) => s.entry?.user)).toEqual(['same-file']);
  });

  it('nothing matching: anonymous', () => {
    const result = effectiveCredential(
      [file({ auths: { 'quay.io': cred('q') } }, primary), absent(config.path)],
      QCI,
    );
    expect([
      result.outcome,
      result.winner,
      result.shadowed,
      result.unreachableByPodmanLogout,
    ]).toEqual(['none', undefined, [], []]);
  });

  it('seed pitfall: a stale token in ~/.docker/config.json survives podman logout', () => {
    const files = [
      file({ auths: { [QCI]: cred('me', TOKEN) } }, primary),
      absent(config.path),
      file({ auths: { [QCI]: cred('me', OLD_TOKEN) } }, docker),
    ];
    const result = effectiveCredential(files, QCI, 'openshift/ci');
    expect(result.winner?.file.path).toBe(primary.path);
    expect(
      result.unreachableByPodmanLogout.map((s) => `${s.file.path} ${s.key}`),
    ).toEqual([`${docker.path} ${QCI}`]);
    expect(result.afterPodmanLogout.outcome).toBe('entry');
    expect(result.afterPodmanLogout.winner?.file.path).toBe(docker.path);
    expect(result.afterPodmanLogout.winner?.entry?.secret()).toBe(OLD_TOKEN);
  });

  it('podman logout HOST removes only the exact key: per-repository and URL keys in the primary stay', () => {
    const files = [
      file(
        {
          auths: {
            [QCI]: cred('host'),
            [`${QCI}/openshift/ci`]: cred('repo'),
            [`https://${QCI}/v1/`]: cred('url'),
          },
        },
        primary,
      ),
    ];
    const result = effectiveCredential(files, QCI, 'openshift/ci');
    expect(result.unreachableByPodmanLogout.map((s) => s.key)).toEqual([
      `${QCI}/openshift/ci`,
      `https://${QCI}/v1/`,
    ]);
    expect(result.afterPodmanLogout.winner?.key).toBe(`${QCI}/openshift/ci`);
  });

  it('a credHelpers entry in the primary is reachable: logout erases it from the helper', () => {
    const files = [
      file(
        { credHelpers: { [QCI]: 'pass' }, auths: { [QCI]: cred('same-file') } },
        primary,
      ),
      file({ auths: { [QCI]: cred('config') } }, config),
    ];
    const result = effectiveCredential(files, QCI);
    expect(result.unreachableByPodmanLogout.map((s) => s.entry?.user)).toEqual([
      'config',
    ]);
    // After logout the helper has nothing, which ends the primary file's lookup: the next file answers.
    expect(result.afterPodmanLogout.winner?.entry?.user).toBe('config');
  });

  it('after logout with nothing else left: anonymous', () => {
    const result = effectiveCredential(
      [file({ auths: { [QCI]: cred('only') } }, primary)],
      QCI,
    );
    expect(result.unreachableByPodmanLogout).toEqual([]);
    expect(result.afterPodmanLogout).toEqual({
      outcome: 'none',
      winner: undefined,
    });
  });
});

describe('effectiveCredential: docker', () => {
  const docker = { engine: 'docker' } as const;
  const config = authFileRef('/h/.docker/config.json');
  const legacy = authFileRef('/h/.dockercfg', {
    role: 'fallback',
    readOnlyWhenMissing: config.path,
  });

  it('credHelpers[host], then credsStore, then auths', () => {
    const helpers = effectiveCredential(
      [
        file(
          {
            credHelpers: { [QCI]: 'pass' },
            credsStore: 'desktop',
            auths: { [QCI]: {} },
          },
          config,
        ),
      ],
      QCI,
      undefined,
      docker,
    );
    expect([
      helpers.outcome,
      helpers.winner?.helper,
      helpers.winner?.how,
    ]).toEqual(['helper', 'pass', 'credHelpers']);
    expect(helpers.shadowed.map((s) => s.how)).toEqual(['credsStore', 'exact']);
    const store = effectiveCredential(
      [file({ credsStore: 'desktop', auths: { [QCI]: cred('u') } }, config)],
      QCI,
      undefined,
      docker,
    );
    expect([store.winner?.how, store.winner?.helper]).toEqual([
      'credsStore',
      'desktop',
    ]);
    const plain = effectiveCredential(
      [file({ auths: { [QCI]: cred('u', TOKEN) } }, config)],
      QCI,
      undefined,
      docker,
    );
    expect([plain.outcome, plain.winner?.entry?.user]).toEqual(['entry', 'u']);
  });

  it('docker uses identity tokens; a {} with no helper sends nothing', () => {
    const idt = effectiveCredential(
      [file({ auths: { [QCI]: { identitytoken: 'idt' } } }, config)],
      QCI,
      undefined,
      docker,
    );
    expect([idt.outcome, idt.winner?.entry?.kind]).toEqual([
      'entry',
      'identity-token',
    ]);
    const placeholder = effectiveCredential(
      [file({ auths: { [QCI]: {} } }, config)],
      QCI,
      undefined,
      docker,
    );
    expect(placeholder.outcome).toBe('none');
    expect(placeholder.passedOver[0]?.reason).toContain('no credential helper');
  });

  // Each rule seen with docker 20.10, dockerd and a recording front
  // (test/e2e/docker-differential.test.ts).
  const dockerSends = (
    json: unknown,
    answers: [string, { state: 'failed'; reason: string }][] = [],
  ) => {
    const e = effectiveCredential(
      [
        typeof json === 'string'
          ? parseAuthFileText(config, json)
          : file(json, config),
      ],
      QCI,
      'openshift/ci',
      {
        ...docker,
        helperAnswers: new Map(answers.map(([h, a]) => [`${h}\0${QCI}`, a])),
      },
    );
    const s = e.sends;
    const user = s.user !== undefined ? ` ${s.user}` : '';
    return `${s.kind}${user}${s.secret ? ` ${s.secret()}` : ''}`;
  };
  const failed = { state: 'failed', reason: 'locked' } as const;
  it.each([
    ['a corrupt file: warns, anonymous', '{"auths": {', [], 'nothing'],
    [
      'undecodable winner: nothing',
      { auths: { [QCI]: { auth: b64('nocolon') } } },
      [],
      'nothing',
    ],
    [
      'undecodable winner with an identitytoken: the token',
      { auths: { [QCI]: { auth: 'no!', identitytoken: 'it' } } },
      [],
      'identity-token it',
    ],
    [
      'another undecodable entry: map order decides if the winner was decoded',
      { auths: { [QCI]: cred('u'), 'other.io': { auth: b64('x') } } },
      [],
      'ambiguous',
    ],
    [
      'a failing helper: the file entry',
      { credHelpers: { [QCI]: 'pass' }, auths: { [QCI]: cred('u') } },
      [['pass', failed]],
      'basic u pw',
    ],
    [
      'a failing helper, no entry: nothing',
      { credHelpers: { [QCI]: 'pass' } },
      [['pass', failed]],
      'nothing',
    ],
    [
      'two hostname keys sending different things: ambiguous',
      {
        auths: {
          [`${QCI}/openshift`]: { identitytoken: 'it' },
          [`https://${QCI}`]: cred('u'),
        },
      },
      [],
      'ambiguous',
    ],
  ] as const)('%s', (_name, json, answers, sent) => {
    expect(
      dockerSends(json, answers as unknown as [string, typeof failed][]),
    ).toBe(sent);
  });

  it('~/.dockercfg only while config.json is missing', () => {
    const legacyFile = file({ [`https://${QCI}/v1/`]: cred('legacy') }, legacy);
    expect(
      effectiveCredential(
        [absent(config.path), legacyFile],
        QCI,
        undefined,
        docker,
      ).winner?.entry?.user,
    ).toBe('legacy');
    const both = effectiveCredential(
      [file({ auths: {} }, config), legacyFile],
      QCI,
      undefined,
      docker,
    );
    expect(both.outcome).toBe('none');
    expect(both.shadowed.map((s) => s.entry?.user)).toEqual(['legacy']);
  });
});

describe('effectiveCredential over real files', () => {
  const sb = useSandbox();

  it('podman 4.3.1 with --authfile still falls back to ~/.docker/config.json; 4.8 does not', async () => {
    sb.write(join(sb.home, '.docker', 'config.json'), {
      auths: { [QCI]: cred('docker', OLD_TOKEN) },
    });
    const authfile = join(sb.root, 't.c');
    sb.write(authfile, { auths: { 'quay.io': cred('other') } });
    const lookup = async (podmanVersion: string) => {
      const found = authFileCandidates({
        env: sb.env,
        home: sb.home,
        uid: 1000,
        engine: 'podman',
        podmanVersion,
        authfile,
      });
      return effectiveCredential(
        await readAuthFiles(found),
        QCI,
        'openshift/ci',
      );
    };
    const old = await lookup('4.3.1');
    expect([
      old.outcome,
      old.winner?.file.format,
      old.winner?.entry?.user,
    ]).toEqual(['entry', 'docker-config', 'docker']);
    expect(old.unreachableByPodmanLogout).toHaveLength(1);
    const recent = await lookup('4.8.0');
    expect([recent.outcome, recent.winner]).toEqual(['none', undefined]);
  });

  it('the XDG runtime file wins over ~/.config and ~/.docker', async () => {
    sb.write(join(sb.runtimeDir, 'containers', 'auth.json'), {
      auths: { [QCI]: cred('runtime', TOKEN) },
    });
    sb.write(join(sb.configHome, 'containers', 'auth.json'), {
      auths: { [QCI]: cred('config') },
    });
    sb.write(join(sb.home, '.docker', 'config.json'), {
      auths: { [`https://${QCI}/v1/`]: cred('docker') },
      credsStore: 'desktop',
    });
    const found = authFileCandidates({
      env: sb.env,
      home: sb.home,
      uid: 1000,
      engine: 'podman',
      podmanVersion: '4.3.1',
    });
    const result = effectiveCredential(
      await readAuthFiles(found),
      QCI,
      'openshift/ci',
    );
    expect(result.winner?.entry?.user).toBe('runtime');
    expect(result.shadowed.map((s) => s.entry?.user)).toEqual([
      'config',
      'docker',
    ]);
    expect(result.afterPodmanLogout.winner?.entry?.user).toBe('config');
  });
});

describe('what podman sends (each rule seen with podman 4.3.1 and a recording front)', () => {
  const primary = (path: string) =>
    authFileRef(path, { role: 'primary', mustExist: true });
  const found = (user: string, secret: string) =>
    ({ state: 'found', user, secret: () => secret }) as const;
  const sends = (
    files: AuthFileState[],
    answers: [string, ReturnType<typeof found> | { state: 'not-found' }][] = [],
  ) => {
    const e = effectiveCredential(files, QCI, 'openshift/ci', {
      helperAnswers: new Map(answers.map(([h, a]) => [`${h}\0${QCI}`, a])),
    });
    const s = e.sends;
    return `${s.kind}${s.user !== undefined ? ` ${s.user}` : ''}${s.secret ? ` ${s.secret()}` : ''}`;
  };
  const docker = file({ auths: { [QCI]: cred('d', 'docker-pw') } });
  const helperFile = (name: string) => file({ credHelpers: { [QCI]: name } });

  it.each(
    (
      [
        // layout, helper answers, what is sent
        [
          'explicit primary missing',
          [
            {
              state: 'absent',
              ref: primary('/r.json'),
              path: '/r.json',
            } as AuthFileState,
            docker,
          ],
          [],
          'fails',
        ],
        [
          'XDG runtime default missing',
          [absent('/run/auth.json'), docker],
          [],
          'basic d docker-pw',
        ],
        [
          'auth + identitytoken',
          [
            file({
              auths: { [QCI]: { ...cred('u', 'pw'), identitytoken: 'idt' } },
            }),
          ],
          [],
          'identity-token idt',
        ],
        [
          'identitytoken only: next file',
          [file({ auths: { [QCI]: { identitytoken: 'idt' } } }), docker],
          [],
          'basic d docker-pw',
        ],
        [
          'empty user: wins, sends nothing',
          [file({ auths: { [QCI]: { auth: b64(':pw') } } }), docker],
          [],
          'nothing',
        ],
        [
          'empty password: wins, sends nothing',
          [file({ auths: { [QCI]: { auth: b64('u:') } } }), docker],
          [],
          'nothing',
        ],
        [
          'helper answers',
          [helperFile('h'), docker],
          [['h', found('hu', 'hs')]],
          'basic hu hs',
        ],
        [
          'helper has nothing: next file',
          [helperFile('h'), docker],
          [['h', { state: 'not-found' }]],
          'basic d docker-pw',
        ],
        [
          'helper answers <token>',
          [helperFile('h')],
          [['h', found('<token>', 'ht')]],
          'identity-token ht',
        ],
        ['helper not asked yet', [helperFile('h'), docker], [], 'unasked'],
        [
          'two URL keys, same credential',
          [
            file({
              auths: {
                [`https://${QCI}`]: cred('u', 'x'),
                [`http://${QCI}/v1/`]: cred('u', 'x'),
              },
            }),
          ],
          [],
          'basic u x',
        ],
        [
          'two URL keys, different',
          [
            file({
              auths: {
                [`https://${QCI}`]: cred('u', 'x'),
                [`http://${QCI}/v1/`]: cred('u', 'y'),
              },
            }),
          ],
          [],
          'ambiguous',
        ],
        [
          'two URL keys, one placeholder',
          [
            file({
              auths: {
                [`https://${QCI}`]: cred('u', 'x'),
                [`http://${QCI}/v1/`]: {},
              },
            }),
            docker,
          ],
          [],
          'ambiguous',
        ],
      ] as const
    ).map(([name, files, answers, expected]) => ({
      name,
      files,
      answers,
      expected,
    })),
  )('$name → $expected', ({ files, answers, expected }) => {
    expect(sends([...files] as AuthFileState[], [...answers] as never)).toBe(
      expected,
    );
  });

  it('a helper that fails stops podman before it sends anything', () => {
    const e = effectiveCredential(
      [helperFile('h'), docker],
      QCI,
      'openshift/ci',
      {
        helperAnswers: new Map([
          [`h\0${QCI}`, { state: 'failed', reason: 'locked' }],
        ]),
      },
    );
    expect([e.outcome, e.sends.kind, e.error?.reason]).toEqual([
      'error',
      'fails',
      'locked',
    ]);
  });

  it('JSON of a result never carries what a helper answered', () => {
    const e = effectiveCredential([helperFile('h')], QCI, 'openshift/ci', {
      helperAnswers: new Map([
        [`h\0${QCI}`, found('hu', 'very-secret-helper-value')],
      ]),
    });
    expect(JSON.stringify(e)).not.toContain('very-secret-helper-value');
  });
});

describe("docker's own entry forms (seen with docker 20.10), which podman ignores", () => {
  const config = authFileRef('/h/.docker/config.json');
  const legacy = authFileRef('/h/.dockercfg');
  const fields = { username: 'fu', password: 'fp' };
  /** What each engine sends for QCI, in one word: `basic USER`, `identity`, `nothing`, `ambiguous`, `helper NAME`. */
  const sends = (
    json: unknown,
    ref: AuthFileRef,
    engine: 'docker' | 'podman',
  ) => {
    const e = effectiveCredential([file(json, ref)], QCI, 'openshift/ci', {
      engine,
    });
    if (e.outcome === 'helper') return `helper ${e.winner?.helper}`;
    if (e.sends.kind === 'basic') return `basic ${e.sends.user}`;
    return e.sends.kind === 'identity-token' ? 'identity' : e.sends.kind;
  };
  // name, file, docker sends, podman sends
  it.each([
    ['fields, no auth', { auths: { [QCI]: fields } }, 'basic fu', 'nothing'],
    [
      'fields named in another case',
      { auths: { [QCI]: { Username: 'fu', PASSWORD: 'fp' } } },
      'basic fu',
      'nothing',
    ],
    [
      'fields beside an empty auth',
      { auths: { [QCI]: { ...fields, auth: '' } } },
      'basic fu',
      'nothing',
    ],
    [
      'an auth is decoded over the fields',
      { auths: { [QCI]: { ...fields, ...cred('au') } } },
      'basic au',
      'basic au',
    ],
    [
      'fields beside an undecodable auth stay',
      { auths: { [QCI]: { ...fields, auth: 'not base64!' } } },
      'basic fu',
      'fails',
    ],
    [
      'an identity token beside the fields wins',
      { auths: { [QCI]: { ...fields, identitytoken: 'tok' } } },
      'identity',
      'nothing',
    ],
    [
      'a user without password',
      { auths: { [QCI]: { username: 'fu' } } },
      'nothing',
      'nothing',
    ],
    [
      'an empty credHelpers[host] hides credsStore',
      {
        auths: { [QCI]: cred('au') },
        credHelpers: { [QCI]: '' },
        credsStore: 'has',
      },
      'basic au',
      'basic au',
    ],
    [
      'a null credHelpers[host] too',
      {
        auths: { [QCI]: cred('au') },
        credHelpers: { [QCI]: null },
        credsStore: 'has',
      },
      'basic au',
      'basic au',
    ],
    [
      'an empty credHelpers for another host does not',
      {
        auths: { [QCI]: cred('au') },
        credHelpers: { 'quay.io': '' },
        credsStore: 'has',
      },
      'helper has',
      'basic au',
    ],
  ] as const)('%s', (_name, json, docker, podman) => {
    expect(sends(json, config, 'docker')).toBe(docker);
    expect(sends(json, config, 'podman')).toBe(podman);
  });

  it.each([
    ['fields without auth are wiped', { [QCI]: fields }, 'nothing'],
    [
      'fields beside an undecodable auth stay',
      { [QCI]: { ...fields, auth: 'bad!' } },
      'basic fu',
    ],
    [
      'fields without auth, beside an undecodable entry: map order',
      { [QCI]: fields, [`https://${QCI}`]: { auth: 'bad!' } },
      'ambiguous',
    ],
  ] as const)('~/.dockercfg: %s', (_name, json, docker) => {
    expect(sends(json, legacy, 'docker')).toBe(docker);
  });
});

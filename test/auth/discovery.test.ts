import { describe, expect, it } from 'vitest';
import {
  authFileCandidates,
  authFileRef,
  parsePodmanVersion,
  podmanAuthBehaviour,
  podmanVersionMatters,
  type DiscoveryOptions,
} from '../../src/auth/index.js';

const HOME = '/home/u';
// Every variable named, so nothing can come from the real environment.
const BASE_ENV: Record<string, string | undefined> = {
  HOME,
  XDG_RUNTIME_DIR: '/run/user/1000',
  XDG_CONFIG_HOME: '/home/u/.cfg',
  DOCKER_CONFIG: undefined,
  REGISTRY_AUTH_FILE: undefined,
};

function candidates(
  env: Record<string, string | undefined>,
  extra: Partial<DiscoveryOptions> = {},
) {
  return authFileCandidates({
    env: { ...BASE_ENV, ...env },
    home: HOME,
    uid: 1000,
    engine: 'podman',
    ...extra,
  });
}
const brief = (refs: ReturnType<typeof candidates>) =>
  refs.map((r) => `${r.role[0]}:${r.format}:${r.path}`);

describe('authFileCandidates: podman', () => {
  // name, env overrides, options, expected "role:format:path" in read order
  const cases: [
    string,
    Record<string, string | undefined>,
    Partial<DiscoveryOptions>,
    string[],
  ][] = [
    [
      '4.3.1 default',
      {},
      { podmanVersion: '4.3.1' },
      [
        'p:auth.json:/run/user/1000/containers/auth.json',
        'f:auth.json:/home/u/.cfg/containers/auth.json',
        'f:docker-config:/home/u/.docker/config.json',
        'f:dockercfg:/home/u/.dockercfg',
      ],
    ],
    [
      '4.8 default: same four files',
      {},
      { podmanVersion: '4.8.0' },
      [
        'p:auth.json:/run/user/1000/containers/auth.json',
        'f:auth.json:/home/u/.cfg/containers/auth.json',
        'f:docker-config:/home/u/.docker/config.json',
        'f:dockercfg:/home/u/.dockercfg',
      ],
    ],
    [
      'XDG_RUNTIME_DIR unset → /run/containers/UID',
      { XDG_RUNTIME_DIR: undefined },
      { podmanVersion: '4.3.1' },
      [
        'p:auth.json:/run/containers/1000/auth.json',
        'f:auth.json:/home/u/.cfg/containers/auth.json',
        'f:docker-config:/home/u/.docker/config.json',
        'f:dockercfg:/home/u/.dockercfg',
      ],
    ],
    [
      'XDG_RUNTIME_DIR empty counts as unset',
      { XDG_RUNTIME_DIR: '' },
      { podmanVersion: '4.8.0' },
      [
        'p:auth.json:/run/containers/1000/auth.json',
        'f:auth.json:/home/u/.cfg/containers/auth.json',
        'f:docker-config:/home/u/.docker/config.json',
        'f:dockercfg:/home/u/.dockercfg',
      ],
    ],
    [
      'XDG_CONFIG_HOME unset → ~/.config',
      { XDG_CONFIG_HOME: undefined },
      { podmanVersion: '4.3.1' },
      [
        'p:auth.json:/run/user/1000/containers/auth.json',
        'f:auth.json:/home/u/.config/containers/auth.json',
        'f:docker-config:/home/u/.docker/config.json',
        'f:dockercfg:/home/u/.dockercfg',
      ],
    ],
    [
      '4.3.1 REGISTRY_AUTH_FILE: files 2-4 still read',
      { REGISTRY_AUTH_FILE: '/tmp/a.json' },
      { podmanVersion: '4.3.1' },
      [
        'p:auth.json:/tmp/a.json',
        'f:auth.json:/home/u/.cfg/containers/auth.json',
        'f:docker-config:/home/u/.docker/config.json',
        'f:dockercfg:/home/u/.dockercfg',
      ],
    ],
    [
      '4.8 REGISTRY_AUTH_FILE: the only file',
      { REGISTRY_AUTH_FILE: '/tmp/a.json' },
      { podmanVersion: '4.8.0' },
      ['p:auth.json:/tmp/a.json'],
    ],
    [
      '4.3.1 --authfile beats REGISTRY_AUTH_FILE',
      { REGISTRY_AUTH_FILE: '/tmp/a.json' },
      { podmanVersion: '4.3.1', authfile: '/tmp/t.c' },
      [
        'p:auth.json:/tmp/t.c',
        'f:auth.json:/home/u/.cfg/containers/auth.json',
        'f:docker-config:/home/u/.docker/config.json',
        'f:dockercfg:/home/u/.dockercfg',
      ],
    ],
    [
      '4.8 --authfile: the only file',
      {},
      { podmanVersion: '4.8.0', authfile: '/tmp/t.c' },
      ['p:auth.json:/tmp/t.c'],
    ],
    [
      '5.2 --authfile: the only file',
      {},
      { podmanVersion: '5.2.1', authfile: '/tmp/t.c' },
      ['p:auth.json:/tmp/t.c'],
    ],
    // containers/image 5.24 (podman 4.4) made an explicit file the only one read; see discovery.ts.
    [
      '4.4.1 --authfile: the only file',
      {},
      { podmanVersion: '4.4.1', authfile: '/tmp/t.c' },
      ['p:auth.json:/tmp/t.c'],
    ],
    [
      '4.3.1 DOCKER_CONFIG: docker file is primary, no XDG runtime file',
      { DOCKER_CONFIG: '/dc' },
      { podmanVersion: '4.3.1' },
      [
        'p:docker-config:/dc/config.json',
        'f:auth.json:/home/u/.cfg/containers/auth.json',
        'f:dockercfg:/home/u/.dockercfg',
      ],
    ],
    [
      '4.8 DOCKER_CONFIG: the docker file alone',
      { DOCKER_CONFIG: '/dc' },
      { podmanVersion: '4.8.0' },
      ['p:docker-config:/dc/config.json'],
    ],
    [
      '4.3.1 REGISTRY_AUTH_FILE beats DOCKER_CONFIG; $DOCKER_CONFIG is file 3',
      { REGISTRY_AUTH_FILE: '/tmp/a.json', DOCKER_CONFIG: '/dc' },
      { podmanVersion: '4.3.1' },
      [
        'p:auth.json:/tmp/a.json',
        'f:auth.json:/home/u/.cfg/containers/auth.json',
        'f:docker-config:/dc/config.json',
        'f:dockercfg:/home/u/.dockercfg',
      ],
    ],
    [
      'empty REGISTRY_AUTH_FILE and DOCKER_CONFIG count as unset',
      { REGISTRY_AUTH_FILE: '', DOCKER_CONFIG: '' },
      { podmanVersion: '4.3.1' },
      [
        'p:auth.json:/run/user/1000/containers/auth.json',
        'f:auth.json:/home/u/.cfg/containers/auth.json',
        'f:docker-config:/home/u/.docker/config.json',
        'f:dockercfg:/home/u/.dockercfg',
      ],
    ],
    [
      'unknown version: newest behaviour',
      { REGISTRY_AUTH_FILE: '/tmp/a.json' },
      {},
      ['p:auth.json:/tmp/a.json'],
    ],
    [
      'root without XDG_RUNTIME_DIR',
      { XDG_RUNTIME_DIR: undefined },
      { podmanVersion: '4.3.1', uid: 0 },
      [
        'p:auth.json:/run/containers/0/auth.json',
        'f:auth.json:/home/u/.cfg/containers/auth.json',
        'f:docker-config:/home/u/.docker/config.json',
        'f:dockercfg:/home/u/.dockercfg',
      ],
    ],
  ];
  it.each(cases)('%s', (_name, env, options, expected) => {
    expect(brief(candidates(env, options))).toEqual(expected);
  });

  it('only the primary is written by login and edited by logout', () => {
    for (const [, env, options] of cases) {
      const refs = candidates(env, options);
      expect(refs.filter((r) => r.writtenByLogin).map((r) => r.path)).toEqual([
        refs[0]?.path,
      ]);
      expect(
        refs.filter((r) => r.readByPodmanLogout).map((r) => r.path),
      ).toEqual([refs[0]?.path]);
      expect(refs[0]?.role).toBe('primary');
    }
  });

  it('says why each file is there', () => {
    const refs = candidates(
      { XDG_RUNTIME_DIR: undefined, XDG_CONFIG_HOME: undefined },
      { podmanVersion: '4.3.1' },
    );
    expect(refs.map((r) => r.why)).toEqual([
      '/run/containers/1000/auth.json (XDG_RUNTIME_DIR unset; gone after a reboot)',
      '~/.config/containers/auth.json (XDG_CONFIG_HOME unset)',
      '~/.docker/config.json (DOCKER_CONFIG unset)',
      '~/.dockercfg (legacy format)',
    ]);
    expect(
      candidates({ REGISTRY_AUTH_FILE: '/a' }, { podmanVersion: '4.3.1' })[0]
        ?.why,
    ).toBe('$REGISTRY_AUTH_FILE');
    expect(
      candidates({ REGISTRY_AUTH_FILE: '/a' }, { podmanVersion: '4.3.1' })[2]
        ?.why,
    ).toContain('still read after $REGISTRY_AUTH_FILE by podman < 4.4');
    expect(candidates({}, { authfile: '/a' })[0]?.why).toBe('--authfile');
    expect(
      candidates({ DOCKER_CONFIG: '/dc' }, { podmanVersion: '4.3.1' })[0]?.why,
    ).toMatch(/^\$DOCKER_CONFIG\/config\.json/);
  });

  it('podman < 4.8 login drops unknown keys of a DOCKER_CONFIG file; 4.8 keeps them', () => {
    expect(
      candidates({ DOCKER_CONFIG: '/dc' }, { podmanVersion: '4.3.1' })[0]
        ?.loginDropsUnknownKeys,
    ).toBe(true);
    expect(
      candidates({ DOCKER_CONFIG: '/dc' }, { podmanVersion: '4.8.0' })[0]
        ?.loginDropsUnknownKeys,
    ).toBe(false);
    // --authfile pointing anywhere is written as auth.json by every version.
    expect(
      candidates(
        {},
        { podmanVersion: '5.0.0', authfile: '/home/u/.docker/config.json' },
      )[0]?.loginDropsUnknownKeys,
    ).toBe(true);
  });
});

describe('authFileCandidates: docker', () => {
  const docker = (
    env: Record<string, string | undefined>,
    extra: Partial<DiscoveryOptions> = {},
  ) =>
    authFileCandidates({
      env: { ...BASE_ENV, ...env },
      home: HOME,
      uid: 1000,
      engine: 'docker',
      podmanVersion: '4.3.1',
      ...extra,
    });

  it('reads ~/.docker/config.json, and ~/.dockercfg only while it is missing', () => {
    const refs = docker({});
    expect(brief(refs)).toEqual([
      'p:docker-config:/home/u/.docker/config.json',
      'f:dockercfg:/home/u/.dockercfg',
    ]);
    expect(refs[0]?.why).toBe('~/.docker/config.json (DOCKER_CONFIG unset)');
    expect(refs[1]?.readOnlyWhenMissing).toBe('/home/u/.docker/config.json');
    expect(refs.map((r) => r.readByPodmanLogout)).toEqual([false, false]);
  });

  it('DOCKER_CONFIG is a directory; podman logout edits that file too', () => {
    const refs = docker({ DOCKER_CONFIG: '/dc' });
    expect(brief(refs)).toEqual([
      'p:docker-config:/dc/config.json',
      'f:dockercfg:/home/u/.dockercfg',
    ]);
    expect(refs[0]?.why).toBe('$DOCKER_CONFIG/config.json');
    expect(refs[0]?.readByPodmanLogout).toBe(true);
  });

  it('ignores --authfile and REGISTRY_AUTH_FILE', () => {
    expect(
      brief(docker({ REGISTRY_AUTH_FILE: '/a' }, { authfile: '/b' }))[0],
    ).toBe('p:docker-config:/home/u/.docker/config.json');
  });
});

describe('podman versions', () => {
  it.each([
    ['4.3.1', [4, 3, 1]],
    ['v4.9.4-dev', [4, 9, 4]],
    ['podman version 5.0.2', [5, 0, 2]],
    ['4.8', [4, 8, 0]],
    ['banana', undefined],
  ] as const)('parsePodmanVersion(%s)', (text, expected) => {
    expect(parsePodmanVersion(text)).toEqual(expected);
  });

  it.each([
    ['4.3.1', false, false],
    ['4.4.0', true, false],
    ['4.7.2', true, false],
    ['4.8.0', true, true],
    ['5.0.0', true, true],
  ] as const)('podmanAuthBehaviour(%s)', (version, only, keeps) => {
    const b = podmanAuthBehaviour(version);
    expect([b.known, b.explicitFileIsOnlyFile, b.loginKeepsDockerKeys]).toEqual(
      [true, only, keeps],
    );
  });

  it('unknown version is flagged', () => {
    expect(podmanAuthBehaviour(undefined).known).toBe(false);
    expect(podmanAuthBehaviour('garbage').known).toBe(false);
  });
});

describe('podmanVersionMatters: when the files podman reads depend on its version', () => {
  const VERSIONS = [
    undefined,
    '3.4.4',
    '4.3.1',
    '4.4.0',
    '4.7.2',
    '4.8.0',
    '5.2.1',
    'garbage',
  ];
  // Every combination of the variables and flag that can name a file, set, empty or unset.
  const VALUES = [undefined, '', '/x/auth.json'];
  const DIRS = [undefined, '', '/x/docker'];
  const cases = VALUES.flatMap((registryAuthFile) =>
    DIRS.flatMap((dockerConfig) =>
      VALUES.flatMap((authfile) =>
        [undefined, '/run/user/1000'].map((runtime) => ({
          env: {
            REGISTRY_AUTH_FILE: registryAuthFile,
            DOCKER_CONFIG: dockerConfig,
            XDG_RUNTIME_DIR: runtime,
          },
          authfile,
        })),
      ),
    ),
  );

  it.each(cases)(
    'is true exactly when versions read different files: %j',
    ({ env, authfile }) => {
      const all = (engine: 'podman' | 'docker') =>
        VERSIONS.map((podmanVersion) =>
          JSON.stringify(
            candidates(env, {
              engine,
              ...(podmanVersion ? { podmanVersion } : {}),
              ...(authfile !== undefined ? { authfile } : {}),
            }),
          ),
        );
      const podmanDiffers = new Set(all('podman')).size > 1;
      const matters = podmanVersionMatters({
        env: { ...BASE_ENV, ...env },
        authfile,
      });
      // Without an explicit file the answer must not depend on the version (qci does not ask it);
      // with one, podman < 4.4 reads more files than newer podman.
      expect(matters).toBe(podmanDiffers);
      expect(new Set(all('docker')).size).toBe(1);
    },
  );
});

describe('authFileRef', () => {
  it.each([
    ['/h/.dockercfg', 'dockercfg'],
    ['/h/.docker/config.json', 'docker-config'],
    ['/run/user/1/containers/auth.json', 'auth.json'],
    ['/tmp/t.c', 'auth.json'],
  ] as const)('%s is %s', (path, format) => {
    expect(authFileRef(path).format).toBe(format);
  });
});

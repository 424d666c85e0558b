import { describe, expect, it } from 'vitest';
import { checkEnvironment } from '../../src/doctor/checks/environment.js';
import { sig } from './fake.js';

const RUN = '/run/user/1000';
const env = (vars: Record<string, string>, ...existing: string[]) => ({
  env: { XDG_RUNTIME_DIR: RUN, ...vars },
  uid: 1000,
  exists: (path: string) => [RUN, ...existing].includes(path),
});

describe('checkEnvironment', () => {
  // biome-ignore format: one line per case
  it.each([
    ['nothing set but the runtime directory', env({}), []],
    ['REGISTRY_AUTH_FILE pointing nowhere', env({ REGISTRY_AUTH_FILE: '/x/auth.json' }), ['error env.registry-auth-file']],
    ['REGISTRY_AUTH_FILE that exists', env({ REGISTRY_AUTH_FILE: '/x/auth.json' }, '/x/auth.json'), []],
    ['DOCKER_CONFIG without config.json', env({ DOCKER_CONFIG: '/d' }), ['error env.docker-config']],
    ['DOCKER_CONFIG with config.json', env({ DOCKER_CONFIG: '/d' }, '/d/config.json'), []],
    ['DOCKER_CONFIG is not stat-ed when REGISTRY_AUTH_FILE is set', env({ DOCKER_CONFIG: '/d', REGISTRY_AUTH_FILE: '/a' }, '/a'), []],
    ['XDG_RUNTIME_DIR unset', { ...env({}), env: {} }, ['warn env.xdg-runtime-dir']],
    ['XDG_RUNTIME_DIR missing', env({ XDG_RUNTIME_DIR: '/run/user/9' }), ['warn env.xdg-runtime-dir']],
  ])('%s', (_, probe, expected) => {
    expect(checkEnvironment(probe).map(sig)).toEqual(expected);
  });

  // biome-ignore format: one line per case
  it.each([
    [env({ REGISTRY_AUTH_FILE: '/x/a.json' }), 'REGISTRY_AUTH_FILE points at /x/a.json, which does not exist: podman fails every pull ("no such file or directory")', "echo '{}' > /x/a.json   # or: unset REGISTRY_AUTH_FILE"],
    [env({ DOCKER_CONFIG: '/d' }), 'DOCKER_CONFIG is /d but it holds no config.json: podman fails every pull', "mkdir -p /d && echo '{}' > /d/config.json   # or: unset DOCKER_CONFIG"],
    [{ ...env({}), env: {} }, 'XDG_RUNTIME_DIR is not set: podman keeps logins in /run/containers/1000/auth.json, which a reboot clears', 'log in through a login session (ssh, or machinectl shell), or set XDG_RUNTIME_DIR'],
    [env({ XDG_RUNTIME_DIR: '/run/user/9' }), 'XDG_RUNTIME_DIR is /run/user/9, which does not exist: podman login creates it, and it may not survive a logout', 'mkdir -m 700 -p /run/user/9'],
  ])('says: %#', (probe, detail, fix) => {
    const [f] = checkEnvironment(probe);
    expect([f?.detail, f?.fix, f?.autoFix]).toEqual([detail, fix, false]);
  });
});

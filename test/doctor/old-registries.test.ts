import { describe, expect, it } from 'vitest';
import {
  APP_CI_REGISTRY,
  DECOMMISSIONED_REGISTRY,
} from '../../src/core/reference.js';
import { checkOldRegistries } from '../../src/doctor/checks/old-registries.js';
import { authFile, basic, DOCKER, HOME, LIVE, PRIMARY, sig } from './fake.js';

const files = (...states: ReturnType<typeof authFile>[]) => [{ states }];
const keys = (...hosts: string[]) =>
  authFile(PRIMARY, {
    auths: Object.fromEntries(hosts.map((h) => [h, basic(LIVE)])),
  });
const probe = (f = files(), images: string[] | null = null) => ({
  home: HOME,
  files: f,
  images,
});

describe('checkOldRegistries', () => {
  // biome-ignore format: one line per case
  it.each([
    ['nothing old', probe(files(keys('quay.io'))), []],
    ['a decommissioned registry entry', probe(files(keys(DECOMMISSIONED_REGISTRY))), ['warn old.auth-decommissioned (safe)']],
    ["app.ci's internal registry", probe(files(keys(APP_CI_REGISTRY))), ['info old.auth-internal']],
    ['a file both engines read, once', probe([...files(keys(DECOMMISSIONED_REGISTRY)), ...files(keys(DECOMMISSIONED_REGISTRY))]), ['warn old.auth-decommissioned (safe)']],
    ['old local images', probe(files(), [`${DECOMMISSIONED_REGISTRY}/ocp/4.14:cli`, 'quay.io/x/y:1', `${APP_CI_REGISTRY}/ocp/4.15:tests`]), ['info old.image', 'info old.image']],
    ['podman not there to list images', probe(files(), null), []],
  ])('%s', (_, p, expected) => {
    expect(checkOldRegistries(p).map(sig)).toEqual(expected);
  });

  it('a decommissioned entry: its words, its fix, and what --fix removes', () => {
    const [f] = checkOldRegistries(
      probe(
        files(
          authFile(DOCKER, {
            auths: { [DECOMMISSIONED_REGISTRY]: basic(LIVE) },
          }),
        ),
      ),
    );
    expect(f?.detail).toBe(
      `${DECOMMISSIONED_REGISTRY} in ~/.docker/config.json is for ${DECOMMISSIONED_REGISTRY}, which is decommissioned`,
    );
    expect(f?.fix).toBe(
      `podman logout --authfile ~/.docker/config.json ${DECOMMISSIONED_REGISTRY}`,
    );
    expect(f?.subject).toEqual({
      kind: 'entry',
      file: DOCKER,
      format: 'docker-config',
      key: DECOMMISSIONED_REGISTRY,
    });
  });

  it('an old image: its QCI pull spec is the fix', () => {
    const name = `${DECOMMISSIONED_REGISTRY}/ocp/4.14:cli`;
    const [f] = checkOldRegistries(probe(files(), [name]));
    expect([f?.detail, f?.fix]).toEqual([
      `the local image ${name} comes from ${DECOMMISSIONED_REGISTRY}; its QCI pull spec is what to use now`,
      `qci pullspec ${name}`,
    ]);
  });
});

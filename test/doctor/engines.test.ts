import { describe, expect, it } from 'vitest';
import { checkEngines } from '../../src/doctor/checks/engines.js';
import { sig } from './fake.js';

const has = (version: string | undefined, ...on: string[]) => ({
  version,
  podman: on.includes('podman'),
  docker: on.includes('docker'),
});

describe('checkEngines', () => {
  // biome-ignore format: one line per case
  it.each([
    ['podman 5', has('5.2.0', 'podman'), ['ok engine.podman']],
    ['podman 4.3.1', has('4.3.1', 'podman'), ['ok engine.podman', 'info engine.podman-old']],
    ['podman 4.8', has('4.8.0', 'podman'), ['ok engine.podman']],
    ['podman, version unknown', has(undefined, 'podman'), ['ok engine.podman']],
    ['docker alone', has(undefined, 'docker'), ['info engine.docker']],
    ['both', has('5.0.0', 'podman', 'docker'), ['ok engine.podman', 'info engine.docker']],
    ['neither', has(undefined), ['error engine.none']],
  ])('%s', (_, probe, expected) => {
    expect(checkEngines(probe).map(sig)).toEqual(expected);
  });

  // biome-ignore format: one line per case
  it.each([
    [has('4.3.1', 'podman'), 'podman 4.3.1 is installed'],
    [has(undefined, 'podman'), 'podman (version unknown) is installed'],
    [has(undefined, 'docker'), 'docker is installed; its ~/.docker/config.json is read by podman too'],
    [has(undefined), 'neither podman nor docker is installed, so nothing can pull'],
  ])('%o says: %s', (probe, detail) => {
    expect(checkEngines(probe)[0]?.detail).toBe(detail);
  });

  // biome-ignore format: one line per case
  it.each([
    ['4.3.1', true],
    ['4.4.0', false],
    ['4.7.2', false],
  ])('podman %s: the note says it reads on after --authfile: %s', (version, readsOn) => {
    const old = checkEngines(has(version, 'podman'))[1];
    expect(old?.detail).toContain('is older than 4.8');
    expect(old?.detail.includes('after --authfile (or REGISTRY_AUTH_FILE) it still reads')).toBe(readsOn);
  });

  it('without an engine, the fix installs podman', () => {
    const [none] = checkEngines(has(undefined));
    expect(none?.fix).toBe(
      'install podman (apt-get install podman / dnf install podman)',
    );
    expect(none?.check).toBe('engines');
  });
});

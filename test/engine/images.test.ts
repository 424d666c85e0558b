/** The engines' image stores as qci reads them: podman 4.3.1's and docker 20.10's JSON, seen here. */
import { describe, expect, it } from 'vitest';
import {
  buildListArgs,
  dockerIdsIn,
  parseDockerInspect,
  parsePodmanImages,
} from '../../src/engine/images.js';

const R = '127.0.0.1:5000/openshift/ci';
const D = `sha256:${'7'.repeat(64)}`;

describe('parsePodmanImages', () => {
  it('merges the entries podman lists once per name, keeping tags and digests apart', () => {
    const entry = {
      Id: 'bb05',
      RepoTags: null,
      RepoDigests: [`${R}@${D}`],
      Names: [`${R}:a`, `${R}:b`, `${R}@${D}`],
      Created: 1796670009,
    };
    expect(parsePodmanImages(JSON.stringify([entry, entry]))).toEqual([
      {
        id: 'bb05',
        tags: [`${R}:a`, `${R}:b`],
        repoDigests: [`${R}@${D}`],
        pinnedNames: [`${R}@${D}`],
        created: '2026-12-07T19:00:09.000Z',
        pulled: null,
        platform: null,
      },
    ]);
  });

  it.each([['not json'], ['{"a": 1}']])('refuses %j', (output) => {
    expect(() => parsePodmanImages(output)).toThrow(/podman images/);
  });

  it('an empty store', () => {
    expect(parsePodmanImages('')).toEqual([]);
    expect(parsePodmanImages('[]')).toEqual([]);
  });
});

describe('docker', () => {
  it('lists the IDs of one repository, once each', () => {
    const out = `${R} sha256:1\n${R} sha256:1\nother/repo sha256:2\n${R}x sha256:3\n`;
    expect(dockerIdsIn(out, R)).toEqual(['sha256:1']);
    expect(buildListArgs('docker')).toContain('--no-trunc');
  });

  it("reads inspect's tags, digests, platform; a LastTagTime of year 1 (a pull) is no pull time", () => {
    const [image] = parseDockerInspect(
      JSON.stringify([
        {
          Id: `sha256:${'c'.repeat(64)}`,
          RepoTags: [`${R}:a`],
          RepoDigests: [`${R}@${D}`],
          Created: '2026-12-07T19:11:53.446722488Z',
          Os: 'linux',
          Architecture: 'arm64',
          Variant: 'v8',
          Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
        },
      ]),
    );
    expect(image).toEqual({
      id: 'c'.repeat(64),
      tags: [`${R}:a`],
      repoDigests: [`${R}@${D}`],
      pinnedNames: [],
      created: '2026-12-07T19:11:53.446Z',
      pulled: null,
      platform: 'linux/arm64/v8',
    });
  });
});

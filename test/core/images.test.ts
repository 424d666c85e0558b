/** Which local images are QCI's, how each is judged against what QCI's tag points at, and the words for it. */
import { describe, expect, it } from 'vitest';
import {
  describeAge,
  describeState,
  judge,
  qciImagesOf,
  tagsToAsk,
  type LocalImage,
  type QciImage,
} from '../../src/core/images.js';
import { pinnedSpec } from '../../src/core/digests.js';

const H = 'quay-proxy.ci.openshift.org';
const R = `${H}/openshift/ci`;
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const image = (over: Partial<LocalImage>): LocalImage => ({
  id: 'a'.repeat(64),
  tags: [],
  repoDigests: [],
  pinnedNames: [],
  created: '2026-12-01T00:00:00.000Z',
  pulled: null,
  platform: null,
  ...over,
});

describe('qciImagesOf', () => {
  it('one entry per QCI tag, with its image stream tag; other repositories and hosts ignored', () => {
    const found = qciImagesOf(
      [
        image({
          tags: [
            `${R}:ocp_4.7_cli`,
            `${R}:ocp_4.8_cli`,
            'docker.io/library/x:1',
            `quay.io/openshift/ci:ocp_4.9_cli`,
          ],
          repoDigests: [`${R}@${D1}`, `quay.io/openshift/ci@${D2}`],
        }),
        image({ id: 'b'.repeat(64), tags: ['localhost/mine:1'] }),
      ],
      H,
    );
    expect(
      found.map((i) => [i.imageStreamTag, i.pullSpec, i.localDigests]),
    ).toEqual([
      ['ocp/4.7:cli', `${R}:ocp_4.7_cli`, [D1]],
      ['ocp/4.8:cli', `${R}:ocp_4.8_cli`, [D1]],
    ]);
  });

  it.each([
    ['a QCI tag that reads back two ways', `${R}:ns_a_b_c`, null],
    ['a tag that is no image stream tag', `${R}:latest`, null],
  ])('%s has no image stream tag', (_, name, ist) => {
    expect(qciImagesOf([image({ tags: [name] })], H)[0]!.imageStreamTag).toBe(
      ist,
    );
  });

  it('an image with only digest names is one pinned entry', () => {
    const [pinned] = qciImagesOf([image({ repoDigests: [`${R}@${D2}`] })], H);
    expect(pinned).toMatchObject({ qciTag: null, pullSpec: pinnedSpec(H, D2) });
    expect(judge(pinned!, undefined).state).toBe('pinned');
    const now = new Date();
    // docker names no pull by digest: such an image may be one a newer pull of its tag left behind.
    expect(describeState(judge(pinned!, { missing: true }), now)).toBe(
      'pinned (untagged: pulled by digest, or left by a newer pull of its tag; QCI no longer has it)',
    );
    const [named] = qciImagesOf(
      [image({ repoDigests: [`${R}@${D2}`], pinnedNames: [`${R}@${D2}`] })],
      H,
    );
    expect(describeState(judge(named!, { missing: true }), now)).toBe(
      'pinned (pulled by digest; QCI no longer has it)',
    );
    expect(judge(pinned!, { digest: D2, lastModified: null }).inQci).toBe(true);
    expect(tagsToAsk([pinned!])).toEqual([D2]);
  });

  it('a tagged image also pulled by digest (podman names it): the tag and the pin, each', () => {
    const found = qciImagesOf(
      [
        image({
          tags: [`${R}:ocp_4.7_cli`],
          repoDigests: [`${R}@${D1}`],
          pinnedNames: [`${R}@${D1}`],
        }),
      ],
      H,
    );
    expect(
      found.map((i) => judge(i, { digest: D1, lastModified: null }).state),
    ).toEqual(['current', 'pinned']);
  });

  it('asks each tag once', () => {
    const images = qciImagesOf(
      [
        image({ tags: [`${R}:ocp_4.7_cli`] }),
        image({ id: 'c', tags: [`${R}:ocp_4.7_cli`] }),
      ],
      H,
    );
    expect(tagsToAsk(images)).toEqual(['ocp_4.7_cli']);
  });
});

describe('judge and describeState', () => {
  const local: QciImage = qciImagesOf(
    [image({ tags: [`${R}:ocp_4.7_cli`], repoDigests: [`${R}@${D1}`] })],
    H,
  )[0]!;
  const now = new Date('2026-12-04T00:00:00Z');
  it.each([
    [{ digest: D1, lastModified: null }, 'current', 'current'],
    [
      { digest: D2, lastModified: '2026-12-01T00:00:00.000Z' },
      'stale',
      'stale (the tag moved 3 days ago)',
    ],
    [
      { digest: D2, lastModified: null },
      'stale',
      "stale (QCI's tag points at another image)",
    ],
    [{ missing: true as const }, 'gone', 'gone (QCI has no such tag now)'],
    [{ error: 'HTTP 500' }, 'unknown', 'unknown (HTTP 500)'],
  ])('%j: %s', (answer, state, words) => {
    const judged = judge(local, answer);
    expect(judged.state).toBe(state);
    expect(describeState(judged, now)).toBe(words);
  });

  it("a stale tag dated by the new image's created time says so", () => {
    const judged = judge(local, { digest: D2, lastModified: null });
    judged.movedAt = '2026-12-03T22:00:00.000Z';
    judged.movedSource = 'created';
    expect(describeState(judged, now)).toBe(
      "stale (QCI's tag now points at an image built 2 hours ago)",
    );
  });

  it.each([
    [{ pulled: '2026-12-03T23:00:00.000Z' }, 'pulled 60 minutes ago'],
    [{}, 'built 3 days ago'],
    [{ created: null }, 'unknown'],
  ])('age %j: %s', (over, words) => {
    expect(describeAge({ ...local, ...over }, now)).toBe(words);
  });
});

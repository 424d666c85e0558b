/**
 * `qci images`: which local images are QCI's, and whether QCI's tag still points at them. Pure: the
 * engine's store and the registry's digests come in, rows with a state go out.
 */
import { pinnedSpec } from './digests.js';
import { formatDuration } from './duration.js';
import {
  QCI_REPOSITORY_PATH,
  formatImageStreamTag,
  imageStreamTagsForQciTag,
} from './reference.js';

/**
 * - current: QCI's tag points at the local image (its digest is one the image was stored under).
 * - stale: the tag points at another image now.
 * - gone: QCI no longer has the tag.
 * - pinned: pulled by digest only; no tag to follow.
 * - unknown: the registry could not be asked (the reason says why).
 */
export type ImageState = 'current' | 'stale' | 'gone' | 'pinned' | 'unknown';

export interface QciImage {
  /** host/openshift/ci:TAG, or host/openshift/ci@sha256:… for a pinned image. */
  pullSpec: string;
  qciTag: string | null;
  /** NS/NAME:TAG; null when pinned, or when the QCI tag reads back more than one way. */
  imageStreamTag: string | null;
  /** What the registry is asked about: the QCI tag, or the digest of a pinned image. */
  reference: string;
  imageId: string;
  /** The manifest digests the image was stored under in this repository. */
  localDigests: string[];
  created: string | null;
  pulled: string | null;
  platform: string | null;
  /**
   * Pinned without a name saying so (docker keeps no pull-by-digest name): pulled by digest, or the
   * image a newer pull of its tag left untagged; docker cannot tell the two apart.
   */
  untagged?: true;
}

/** What the registry said of a tag: its digest now (and when it last changed, when it says), or gone. */
export type TagAnswer =
  | { digest: string; lastModified: string | null }
  | { missing: true }
  | { error: string };

export interface JudgedImage extends QciImage {
  state: ImageState;
  /** The digest QCI's tag points at now (stale, current). */
  qciDigest: string | null;
  /** Pinned: whether QCI still has the digest (quay deletes a manifest no tag points at); null: not asked. */
  inQci: boolean | null;
  /** When the tag moved: the registry's Last-Modified, else when QCI's image was built. */
  movedAt: string | null;
  movedSource: 'last-modified' | 'created' | null;
  reason: string | null;
}

/** An image in the engine's store, as engine/images.ts reads it for either engine. */
export interface LocalImage {
  /** The image ID, without "sha256:". */
  id: string;
  /** `repo:tag` names. */
  tags: string[];
  /** `repo@sha256:…` names and digests. */
  repoDigests: string[];
  /** `repo@sha256:…` names it was pulled by (podman names them; docker does not say). */
  pinnedNames: string[];
  /** When the image was built (its config's created), ISO 8601. */
  created: string | null;
  /** When it was pulled (docker only). */
  pulled: string | null;
  platform: string | null;
}

const DIGEST_PART = /@(sha256:[0-9a-f]{64})$/;

/** Every QCI image in the store: one per QCI tag it carries, or one pinned entry when it has no tag. */
export function qciImagesOf(images: LocalImage[], host: string): QciImage[] {
  const repo = `${host}/${QCI_REPOSITORY_PATH}`;
  const out: QciImage[] = [];
  for (const image of images) {
    const localDigests = image.repoDigests
      .filter((d) => d.startsWith(`${repo}@`))
      .map((d) => DIGEST_PART.exec(d)?.[1])
      .filter((d): d is string => d !== undefined);
    const tags = image.tags
      .filter((t) => t.startsWith(`${repo}:`))
      .map((t) => t.slice(repo.length + 1));
    const base = {
      imageId: image.id,
      localDigests: [...new Set(localDigests)],
      created: image.created,
      pulled: image.pulled,
      platform: image.platform,
    };
    for (const qciTag of [...new Set(tags)].sort()) {
      const ists = imageStreamTagsForQciTag(qciTag);
      out.push({
        ...base,
        pullSpec: `${repo}:${qciTag}`,
        qciTag,
        reference: qciTag,
        imageStreamTag:
          ists.length === 1 ? formatImageStreamTag(ists[0]!) : null,
      });
    }
    // Pulled by digest: each digest name (podman), else an image with no tag at all (docker).
    const pinned = image.pinnedNames
      .filter((n) => n.startsWith(`${repo}@`))
      .map((n) => n.slice(repo.length + 1));
    const untagged = pinned.length === 0 && tags.length === 0;
    if (untagged && localDigests[0]) pinned.push(localDigests[0]);
    for (const digest of [...new Set(pinned)].sort())
      out.push({
        ...base,
        pullSpec: pinnedSpec(host, digest),
        qciTag: null,
        reference: digest,
        imageStreamTag: null,
        ...(untagged ? { untagged: true as const } : {}),
      });
  }
  return out;
}

/** The tags (and pinned digests) to ask the registry about, once each. */
export function tagsToAsk(images: QciImage[]): string[] {
  return [...new Set(images.map((i) => i.reference))];
}

export function judge(
  image: QciImage,
  answer: TagAnswer | undefined,
): JudgedImage {
  const none = {
    qciDigest: null,
    movedAt: null,
    movedSource: null,
    reason: null,
    inQci: null,
  };
  if (image.qciTag === null) {
    const inQci = !answer || 'error' in answer ? null : !('missing' in answer);
    return { ...image, ...none, state: 'pinned', inQci };
  }
  if (!answer)
    return { ...image, ...none, state: 'unknown', reason: 'not asked' };
  if ('missing' in answer) return { ...image, ...none, state: 'gone' };
  if ('error' in answer)
    return { ...image, ...none, state: 'unknown', reason: answer.error };
  const current = image.localDigests.includes(answer.digest);
  return {
    ...image,
    ...none,
    state: current ? 'current' : 'stale',
    qciDigest: answer.digest,
    ...(!current && answer.lastModified
      ? { movedAt: answer.lastModified, movedSource: 'last-modified' as const }
      : {}),
  };
}

const ago = (iso: string, now: Date) =>
  `${formatDuration(Math.max(0, (now.getTime() - Date.parse(iso)) / 1000), { words: true })} ago`;

/** `current`, `stale (the tag moved 3 days ago)`, `gone (no longer in QCI)`, … */
export function describeState(image: JudgedImage, now: Date): string {
  switch (image.state) {
    case 'stale':
      if (image.movedAt && image.movedSource === 'last-modified')
        return `stale (the tag moved ${ago(image.movedAt, now)})`;
      if (image.movedAt)
        return `stale (QCI's tag now points at an image built ${ago(image.movedAt, now)})`;
      return "stale (QCI's tag points at another image)";
    case 'gone':
      return 'gone (QCI has no such tag now)';
    case 'pinned': {
      const how = image.untagged
        ? 'untagged: pulled by digest, or left by a newer pull of its tag'
        : 'pulled by digest';
      return image.inQci === false
        ? `pinned (${how}; QCI no longer has it)`
        : `pinned (${how})`;
    }
    case 'unknown':
      return `unknown (${image.reason ?? 'not asked'})`;
    default:
      return 'current';
  }
}

/** "built 3 days ago" (podman and docker keep no pull time; docker's LastTagTime, when a tag set it). */
export function describeAge(image: QciImage, now: Date): string {
  // A time the engine reports that is no time (an image's created gone wrong) says nothing.
  const known = (iso: string | null): iso is string =>
    iso !== null && Number.isFinite(Date.parse(iso));
  if (known(image.pulled)) return `pulled ${ago(image.pulled, now)}`;
  if (known(image.created)) return `built ${ago(image.created, now)}`;
  return 'unknown';
}

/**
 * The engine's local image store, as `qci images` reads it: the arguments, and the output parsed into
 * one shape for both engines. Pure: the runner runs them (session/images.ts).
 *
 * - podman 4.3.1 `podman images --format json`: `Names` holds every name, tags and `repo@digest`
 *   alike (its `RepoTags` is null there); `RepoDigests` one `repo@digest` per manifest digest the image
 *   was stored under (an index's and its instance's); `Created` is the image's build time in Unix
 *   seconds. podman records no pull time.
 * - docker: `docker image ls` finds the images of a repository, `docker image inspect` gives
 *   `RepoTags`, `RepoDigests` (the digest pulled by: an index's own), `Created` and
 *   `Metadata.LastTagTime`, set by `docker tag` (a pull leaves it at year 1, seen with docker 20.10),
 *   so a pull time only for images tagged since.
 */
import type { LocalImage } from '../core/images.js';
import type { EngineName } from './engine.js';

export function buildListArgs(engine: EngineName): string[] {
  return engine === 'podman'
    ? ['images', '--format', 'json']
    : ['image', 'ls', '--no-trunc', '--format', '{{.Repository}} {{.ID}}'];
}

/** docker: the IDs of the images with a name in `repository` (host/openshift/ci). */
export function dockerIdsIn(output: string, repository: string): string[] {
  const ids = output
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([repo, id]) => repo === repository && id)
    .map(([, id]) => id!);
  return [...new Set(ids)];
}

export function buildInspectArgs(ids: string[]): string[] {
  return ['image', 'inspect', ...ids];
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];

const isoOf = (value: unknown): string | null => {
  if (typeof value === 'number' && value > 0)
    return new Date(value * 1000).toISOString();
  if (typeof value !== 'string' || value.startsWith('0001-')) return null;
  const time = Date.parse(value);
  return Number.isFinite(time) ? new Date(time).toISOString() : null;
};

const cleanId = (id: unknown) =>
  typeof id === 'string' ? id.replace(/^sha256:/, '') : '';

function parseJsonArray(
  output: string,
  what: string,
): Record<string, unknown>[] {
  let value: unknown;
  try {
    value = JSON.parse(output.trim() || '[]');
  } catch {
    throw new Error(`${what} is not JSON`);
  }
  if (!Array.isArray(value)) throw new Error(`${what} is not a JSON list`);
  return value.filter(
    (v): v is Record<string, unknown> => !!v && typeof v === 'object',
  );
}

/**
 * `podman images --format json`: one entry per image name (seen with podman 4.3.1: an image with 20
 * tags is listed 20 times, each entry with every name), merged here into one per image ID.
 */
export function parsePodmanImages(output: string): LocalImage[] {
  const byId = new Map<string, LocalImage>();
  for (const i of parseJsonArray(output, 'podman images --format json')) {
    const names = strings(i.Names);
    const id = cleanId(i.Id);
    const seen = byId.get(id);
    const tags = [...names, ...strings(i.RepoTags)].filter(
      (n) => !n.includes('@'),
    );
    const repoDigests = [
      ...strings(i.RepoDigests),
      ...names.filter((n) => n.includes('@')),
    ];
    byId.set(id, {
      id,
      tags: [...new Set([...(seen?.tags ?? []), ...tags])],
      repoDigests: [...new Set([...(seen?.repoDigests ?? []), ...repoDigests])],
      pinnedNames: [
        ...new Set([
          ...(seen?.pinnedNames ?? []),
          ...names.filter((n) => n.includes('@')),
        ]),
      ],
      created: seen?.created ?? isoOf(i.Created),
      pulled: null,
      platform: null,
    });
  }
  return [...byId.values()];
}

/** `docker image inspect ID...`. */
export function parseDockerInspect(output: string): LocalImage[] {
  return parseJsonArray(output, 'docker image inspect').map((i) => {
    const meta = (i.Metadata ?? {}) as Record<string, unknown>;
    return {
      id: cleanId(i.Id),
      tags: strings(i.RepoTags),
      repoDigests: strings(i.RepoDigests),
      pinnedNames: [],
      created: isoOf(i.Created),
      pulled: isoOf(meta.LastTagTime),
      platform:
        typeof i.Os === 'string' && typeof i.Architecture === 'string'
          ? `${i.Os}/${i.Architecture}${typeof i.Variant === 'string' && i.Variant ? `/${i.Variant}` : ''}`
          : null,
    };
  });
}

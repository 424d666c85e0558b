/**
 * qci images: the QCI images in the engine's store, and whether QCI's tags still point at them, asked
 * with the credential the engine sends (manifest HEADs, concurrently, no layer downloaded); and the
 * same question for `qci pull --if-stale`. --pull-stale pulls the stale ones with qci pull.
 */
import { QciError } from '../core/errors.js';
import {
  judge,
  qciImagesOf,
  tagsToAsk,
  type JudgedImage,
  type LocalImage,
  type QciImage,
} from '../core/images.js';
import { QCI_REPOSITORY_PATH, parseReference } from '../core/reference.js';
import { pinnedSpec } from '../core/digests.js';
import { engineUnavailableError } from '../core/causes.js';
import { classifyEngineFailure, engineErrorLine } from '../engine/classify.js';
import { findEngine, type EngineName } from '../engine/engine.js';
import { describeCommand } from '../engine/run.js';
import {
  buildInspectArgs,
  buildListArgs,
  dockerIdsIn,
  parseDockerInspect,
  parsePodmanImages,
} from '../engine/images.js';
import {
  digestClient,
  earlyConnections,
  type DigestClient,
} from '../registry/digests.js';
import {
  formatPlatform,
  parsePlatform,
  pullScope,
  type Platform,
} from '../registry/inspect.js';
import { platformMatches } from '../core/platform.js';
import { engineSends, registryHttp, type InspectReport } from './inspect.js';
import type { AuthSetup } from './setup.js';
import { rememberedChallenge } from './challenge-cache.js';
import { keptRegistryToken } from './registry-tokens.js';
import { leaveForNextRun } from './registry-session.js';

export interface ImagesRequest {
  timeoutMs?: number | undefined;
  log?: (line: string) => void;
  /** Ask when a stale tag's new image was built (default true). */
  dateStale?: boolean;
  /** Only these images (default all QCI images in the store). */
  only?: (image: QciImage) => boolean;
}

export interface ImagesReport {
  engine: EngineName;
  registry: string;
  /** One entry per QCI tag a local image carries, and one per image pulled by digest only. */
  images: JudgedImage[];
  /** Which credential was sent (never the secret). */
  credential: InspectReport['credential'] | null;
  /** Manifest requests made (HEADs, and GETs for when a stale tag's image was built). */
  /** HEADs of tags, GETs of the indexes stale-looking tags moved to, GETs for when a stale one was built. */
  requests: { heads: number; indexes: number; built: number };
}

/** The engine's store: one process for podman, two for docker (list, then inspect the QCI ones). */
async function localImages(
  setup: AuthSetup,
  engine: EngineName,
  repository: string,
): Promise<LocalImage[]> {
  const run = async (args: string[]) => {
    const r = await setup.runner({
      command: engine,
      args,
      env: setup.env,
      timeoutMs: 60_000,
    });
    if (r.exitCode !== 0) {
      const what = `${engine} ${args.slice(0, 2).join(' ')} failed`;
      if (classifyEngineFailure(r.stderr) === 'engine-unavailable')
        throw engineUnavailableError(what, engine);
      throw new QciError(`${what}: ${engineErrorLine(r.stderr)}`, {
        kind: 'engine-failed',
        hint: `run ${describeCommand({ command: engine, args })} to see why`,
      });
    }
    return r.stdout;
  };
  const parse = <T>(what: string, parser: () => T): T => {
    try {
      return parser();
    } catch (error) {
      throw new QciError(
        `${(error as Error).message}: qci cannot read ${engine}'s store`,
        {
          kind: 'engine-failed',
          hint: `run ${engine} ${what} to see what it prints`,
        },
      );
    }
  };
  const listed = await run(buildListArgs(engine));
  if (engine === 'podman')
    return parse('images --format json', () => parsePodmanImages(listed));
  const ids = dockerIdsIn(listed, repository);
  if (ids.length === 0) return [];
  const inspected = await run(buildInspectArgs(ids));
  return parse('image inspect', () => parseDockerInspect(inspected));
}

/**
 * The registry client, with the credential the engine sends: its connections start opening first (as
 * many as last time's tags), before the store and the auth files are read; the token request starts
 * with the client, unless a token kept from an earlier run for this credential is still good.
 */
async function openRegistry(
  setup: AuthSetup,
  engine: EngineName,
  request: ImagesRequest,
) {
  const host = setup.settings.registry;
  const now = setup.now();
  const http = registryHttp(setup, request);
  const known = await rememberedChallenge(
    setup,
    host,
    now,
    setup.settings.tlsVerify,
  );
  const early = earlyConnections(host, known?.tags ?? 1, { known, http });
  await early.started;
  const rest = (async () => {
    const { credential, about } = await engineSends(setup, undefined, engine);
    const bearer = await keptRegistryToken(
      setup,
      host,
      pullScope(QCI_REPOSITORY_PATH),
      credential,
      now,
    );
    const client = digestClient(host, QCI_REPOSITORY_PATH, {
      known,
      bearer,
      early,
      credential,
      platform: parsePlatform(setup.settings.platform),
      http,
    });
    return { client, about, known, credential };
  })();
  rest.catch(() => early.agents.destroy());
  return { ready: rest };
}

/**
 * A tag now on another index is still current when that index's image for this image's platform is
 * the one here (another platform's was rebuilt): what podman's "newer" pull policy compares, the
 * platform's instance of a list (containers/common pkg/config, hasDifferentDigest). Returns the GETs.
 */
async function sameInstance(
  client: DigestClient,
  images: JudgedImage[],
  wanted: Platform,
): Promise<number> {
  const asked = new Map<string, Promise<string | null>>();
  const instanceOf = (image: JudgedImage) => {
    const platform = image.platform ? parsePlatform(image.platform) : wanted;
    const key = `${image.qciDigest} ${formatPlatform(platform)}`;
    if (!asked.has(key))
      asked.set(key, client.instanceOf(image.qciDigest!, platform));
    return asked.get(key)!;
  };
  const stale = images.filter((i) => i.state === 'stale' && i.qciDigest);
  const instances = await Promise.all(stale.map(instanceOf));
  stale.forEach((image, n) => {
    const instance = instances[n];
    if (instance && image.localDigests.includes(instance)) {
      image.state = 'current';
      image.movedAt = null;
      image.movedSource = null;
    }
  });
  return asked.size;
}

/** When each stale tag's new image was built, when the registry did not say when the tag moved. */
async function datedStale(client: DigestClient, images: JudgedImage[]) {
  const digests = [
    ...new Set(
      images
        .filter((i) => i.state === 'stale' && !i.movedAt && i.qciDigest)
        .map((i) => i.qciDigest!),
    ),
  ];
  const built = new Map(
    await Promise.all(
      digests.map(async (d) => [d, await client.builtAt(d)] as const),
    ),
  );
  for (const image of images) {
    const at = image.qciDigest ? built.get(image.qciDigest) : undefined;
    if (image.state === 'stale' && !image.movedAt && at) {
      image.movedAt = at;
      image.movedSource = 'created';
    }
  }
  return digests.length;
}

/** Every QCI image in the store, judged against what QCI's tags point at now. */
export async function listQciImages(
  setup: AuthSetup,
  request: ImagesRequest = {},
): Promise<ImagesReport> {
  const engine = findEngine(setup.settings.engine, setup.env);
  const host = setup.settings.registry;
  const repository = `${host}/${QCI_REPOSITORY_PATH}`;
  // The store is read while the registry's connections open (and its token is asked).
  const registry = (await openRegistry(setup, engine, request)).ready;
  registry.catch(() => undefined);
  const dropRegistry = () =>
    registry.then(
      ({ client }) => client.close(),
      () => undefined,
    );
  let local: QciImage[];
  try {
    local = qciImagesOf(
      await localImages(setup, engine, repository),
      host,
    ).filter((i) => request.only?.(i) ?? true);
  } catch (error) {
    void dropRegistry();
    throw error;
  }
  const tags = tagsToAsk(local);
  if (tags.length === 0) {
    // Nothing to ask: the connections and the token request under way are dropped.
    void dropRegistry();
    return {
      engine,
      registry: host,
      images: local.map((i) => judge(i, undefined)),
      credential: null,
      requests: { heads: 0, indexes: 0, built: 0 },
    };
  }
  const { client, about, known, credential } = await registry;
  let images: JudgedImage[];
  let built = 0;
  let indexes = 0;
  try {
    const [, answers] = await Promise.all([
      client.warm(tags.length),
      client.ask(tags),
    ]);
    images = local.map((i) => judge(i, answers.get(i.reference)));
    indexes = await sameInstance(
      client,
      images,
      parsePlatform(setup.settings.platform),
    );
    if (request.dateStale !== false) built = await datedStale(client, images);
  } finally {
    client.close();
    // For the next run: the token, the challenge, how many tags there were, and whether the registry
    // took HTTP/2 (then it opens one connection).
    const protocol = client.protocol;
    await leaveForNextRun(
      setup,
      { host, repository: QCI_REPOSITORY_PATH },
      credential,
      client,
      known,
      { tags: tags.length, ...(protocol ? { h2: protocol === 'h2' } : {}) },
    );
  }
  return {
    engine,
    registry: host,
    images,
    credential: about,
    requests: { heads: tags.length, indexes, built },
  };
}

export interface Freshness {
  /** The references whose local image is what QCI's tag points at (or the digest asked for). */
  current: { input: string; pullSpec: string; imageId: string }[];
  /** Every other input, as given: to pull. */
  toPull: string[];
}

/**
 * qci pull --if-stale: which references need no pull. One read of the engine's store and one HEAD per
 * tag; a digest reference is current when the store holds it (a digest never moves).
 */
export async function currentOnes(
  setup: AuthSetup,
  inputs: string[],
  request: ImagesRequest = {},
): Promise<Freshness> {
  const host = setup.settings.registry;
  const wanted = new Map<
    string,
    { tag: string | null; digest: string | null }
  >();
  for (const input of inputs) {
    try {
      const ref = parseReference(input, { pullHost: host });
      wanted.set(input, { tag: ref.qciTag, digest: ref.digest });
    } catch {
      // qci pull reports it
    }
  }
  const tags = new Set([...wanted.values()].map((w) => w.tag));
  const digests = new Set([...wanted.values()].map((w) => w.digest));
  const report = await listQciImages(setup, {
    ...request,
    dateStale: false,
    // A digest asked for may be held under a tag (pulled by tag): any entry holding it will do.
    only: (i) =>
      (i.qciTag !== null && tags.has(i.qciTag)) ||
      i.localDigests.some((d) => digests.has(d)),
  });
  const fresh: Freshness = { current: [], toPull: [] };
  const ofPlatform = await onPlatform(setup, report);
  for (const input of inputs) {
    const w = wanted.get(input);
    const hit = report.images.find(
      (i) =>
        ofPlatform(i) &&
        (w?.tag
          ? i.qciTag === w.tag && i.state === 'current'
          : w?.digest !== null &&
            w?.digest !== undefined &&
            i.localDigests.includes(w.digest)),
    );
    if (hit && w)
      fresh.current.push({
        input,
        pullSpec:
          w.tag || w.digest === null
            ? hit.pullSpec
            : pinnedSpec(host, w.digest),
        imageId: hit.imageId,
      });
    else fresh.toPull.push(input);
  }
  return fresh;
}

/**
 * Whether a local image is of the platform the pull asks for (`--platform`, default linux/amd64): a tag
 * that points at an index is "current" for every platform it lists, but the store holds the one pulled.
 * docker's listing says each image's platform; podman's does not, so its images are inspected (one
 * process). An image whose platform cannot be read is not taken as current: it is pulled.
 */
async function onPlatform(
  setup: AuthSetup,
  report: ImagesReport,
): Promise<(image: JudgedImage) => boolean> {
  const want = parsePlatform(setup.settings.platform);
  const unread = report.images.filter((i) => i.platform === null);
  const read = new Map<string, string | null>();
  if (unread.length > 0) {
    const r = await setup.runner({
      command: report.engine,
      args: buildInspectArgs([...new Set(unread.map((i) => i.imageId))]),
      env: setup.env,
      timeoutMs: 60_000,
    });
    try {
      if (r.exitCode === 0)
        for (const i of parseDockerInspect(r.stdout))
          read.set(i.id, i.platform);
    } catch {
      // unread: pulled
    }
  }
  return (image) => {
    const platform = image.platform ?? read.get(image.imageId) ?? null;
    return platform !== null && platformMatches(want, parsePlatform(platform));
  };
}

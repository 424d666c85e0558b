/**
 * What QCI's tags point at now, for many tags at once, without downloading an image: one challenge
 * (GET /v2/) and one token, as podman asks them, then a HEAD per tag for its Docker-Content-Digest
 * (the OCI distribution spec: a HEAD answers with the digest and no body), all concurrently over
 * keep-alive connections opened alongside the challenge, so that 20 tags cost three round trips; with
 * the challenge remembered and a token kept from an earlier run, the HEADs go as the connections open.
 * The Accept list keeps an index an index: its digest is the one podman and docker store.
 */
import { isDigest } from '../core/digests.js';
import { QciError } from '../core/errors.js';
import { keepAliveAgents } from '../io/http.js';
import {
  ChallengeSession,
  schemeFor,
  type KnownChallenge,
} from './kept-session.js';
import type { TagAnswer } from '../core/images.js';
import { describeImage } from './describe.js';
import {
  MANIFEST_ACCEPT,
  digester,
  instanceDigestIn,
  readTop,
  type Digester,
  type InspectOptions,
  type MintedToken,
  type Platform,
} from './inspect.js';

export interface DigestsOptions extends InspectOptions {
  /** Requests in flight at once (and connections opened for them); default 20. */
  concurrency?: number;
  /** The challenge GET /v2/ answered last time: the token is asked at once, without the ping. */
  known?: KnownChallenge | undefined;
  /** A token the realm gave an earlier run for this credential: sent at once; if rejected, asked anew. */
  bearer?: string | undefined;
  /** Connections opened already (earlyConnections()); the client's own otherwise. */
  early?: EarlyConnections | undefined;
}

/** Connections to a registry opened before the client exists (before the credential is read). */
export interface EarlyConnections {
  agents: ReturnType<typeof keepAliveAgents>;
  /** How many it opened (the client opens only more than these). */
  opened: number;
  /** Settles once the connections are under way (never rejects). */
  started: Promise<void>;
}

/**
 * Opens `n` connections to the registry now (TCP and TLS under way), for a digestClient() made later:
 * where the scheme is known (remembered, or https where TLS is verified) and no proxy carries them.
 */
export function earlyConnections(
  host: string,
  n: number,
  options: Pick<DigestsOptions, 'known' | 'http' | 'concurrency'>,
): EarlyConnections {
  const limit = Math.max(1, options.concurrency ?? 20);
  const agents = keepAliveAgents(limit);
  const opened = Math.min(options.known?.h2 ? 1 : n, limit);
  return { agents, opened, started: openAhead(agents, host, opened, options) };
}

/**
 * Opens `n` connections to the registry, offering HTTP/2, where the scheme is known without asking
 * (remembered, or https where TLS is verified) and no proxy carries them; never rejects.
 */
function openAhead(
  agents: ReturnType<typeof keepAliveAgents>,
  host: string,
  n: number,
  options: Pick<DigestsOptions, 'known' | 'http'>,
): Promise<void> {
  const tlsVerify = options.http.tlsVerify !== false;
  const scheme = schemeFor(options.known, tlsVerify);
  if (!scheme || n <= 0) return Promise.resolve();
  return agents
    .preconnect(new URL(`${scheme}://${host}/v2/`), n, {
      env: options.http.env,
      tlsVerify,
      h2: true,
    })
    .catch(() => undefined);
}

/** Kinds that end the whole question: no answer for any tag would differ. */
const FATAL = new Set([
  'credentials-missing',
  'credentials-rejected',
  'denied',
  'unreachable',
  'unsafe-realm',
]);

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  return results;
}

export interface DigestClient {
  /** Opens connections for the requests to come (the token's and the HEADs), `n` in all. */
  warm(n: number): Promise<void>;
  /** What each tag points at now. */
  ask(tags: string[]): Promise<Map<string, TagAnswer>>;
  /** When the image behind a digest was built (its config's created), for a stale tag. */
  builtAt(digest: string): Promise<string | null>;
  /** The digest of `platform`'s image in the index `digest` names; null when it is none or has none. */
  instanceOf(digest: string, platform: Platform): Promise<string | null>;
  /** Closes the connections. */
  close(): void;
  /** The challenge the registry gave, when it was asked (to remember for next time). */
  readonly seen: KnownChallenge | undefined;
  /** The token the realm gave this run (to keep for the next), if it was asked. */
  readonly minted: MintedToken | undefined;
  /** Whether the registry rejected the token it was given (`bearer`). */
  readonly bearerRejected: boolean;
  /** What the registry's connections spoke: 'h2' when it took HTTP/2 (undefined: not known). */
  readonly protocol: 'h2' | 'http/1.1' | undefined;
}

const headerText = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.trim() || null;

const isoOrNull = (text: string | null) =>
  text && Number.isFinite(Date.parse(text))
    ? new Date(text).toISOString()
    : null;

/** Starts the challenge and token at once (unless a token was kept); `ask` waits for them. */
export function digestClient(
  host: string,
  repository: string,
  options: DigestsOptions,
): DigestClient {
  const limit = Math.max(1, options.concurrency ?? 20);
  // At most `limit` connections: a HEAD waits for an open one rather than opening one more.
  const agents = options.early?.agents ?? keepAliveAgents(limit);
  const session = new ChallengeSession(
    { host, repository, reference: '' },
    { ...options, http: { ...options.http, agents } },
  );
  session.known = options.known;
  // A kept token is sent as is; the first refusal asks the realm (ChallengeSession#authorized).
  const authenticated = session.start(options.bearer);
  authenticated.catch(() => undefined); // awaited by ask(); unasked when no tag needs it
  let sha256: Digester | undefined;
  let opened = options.early?.opened ?? 0;
  const headOne = async (tag: string): Promise<TagAnswer> => {
    const what = `the tag ${tag}`;
    const head = await session.authorized(() =>
      session.get(`manifests/${tag}`, MANIFEST_ACCEPT, what, 'HEAD'),
    );
    const digest = headerText(head.headers['docker-content-digest']);
    const lastModified = isoOrNull(headerText(head.headers['last-modified']));
    if (digest && isDigest(digest)) return { digest, lastModified };
    // No digest in the HEAD's answer (the spec lets a registry leave it out): the bytes say it.
    const full = await session.get(`manifests/${tag}`, MANIFEST_ACCEPT, what);
    sha256 ??= await digester();
    return { digest: sha256(full.body), lastModified };
  };
  return {
    async warm(n) {
      // A registry that took HTTP/2 last time needs the one connection opened already.
      const more = Math.min(n, limit) - opened;
      if (more <= 0 || options.known?.h2) return;
      opened += more;
      await openAhead(agents, host, more, options);
    },
    async ask(tags) {
      await authenticated;
      const answers = await pool(tags, limit, (tag) =>
        headOne(tag).catch((error: unknown): TagAnswer => {
          if (!(error instanceof QciError)) throw error;
          if (error.kind === 'not-found') return { missing: true };
          if (FATAL.has(error.kind)) throw error;
          return { error: error.message };
        }),
      );
      return new Map(tags.map((tag, i) => [tag, answers[i]!]));
    },
    close: () => agents.destroy(),
    get seen() {
      return session.seen;
    },
    get minted() {
      return session.minted;
    },
    get bearerRejected() {
      return session.bearerRejected;
    },
    get protocol() {
      return agents.protocolOf(new URL(`${session.usedScheme}://${host}/`));
    },
    async instanceOf(digest, platform) {
      const target = { host, repository, reference: digest };
      sha256 ??= await digester();
      const check = sha256;
      try {
        const top = await session.authorized(() =>
          readTop(session, target, check),
        );
        return top.isIndex ? instanceDigestIn(top.json, platform) : null;
      } catch (error) {
        if (error instanceof QciError && !FATAL.has(error.kind)) return null;
        throw error;
      }
    },
    async builtAt(digest) {
      const target = { host, repository, reference: digest };
      try {
        return await session.authorized(
          async () => (await describeImage(session, target, options)).created,
        );
      } catch (error) {
        if (error instanceof QciError && !FATAL.has(error.kind)) return null;
        throw error;
      }
    },
  };
}

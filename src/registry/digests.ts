/**
 * What QCI's tags point at now, for many tags at once, without downloading an image: one challenge
 * (GET /v2/) and one token, as podman asks them, then a HEAD per tag for its Docker-Content-Digest
 * (the OCI distribution spec: a HEAD answers with the digest and no body), all concurrently over
 * keep-alive connections opened alongside the challenge, so that 20 tags cost three round trips.
 * The Accept list keeps an index an index: its digest is the one podman and docker store.
 */
import { QciError } from '../core/errors.js';
import { keepAliveAgents } from '../io/http.js';
import type { HttpResponse } from './http.js';
import type { TagAnswer } from '../core/images.js';
import {
  MANIFEST_ACCEPT,
  Session,
  digester,
  readConfig,
  readInstance,
  readTop,
  type Digester,
  type InspectOptions,
} from './inspect.js';

export interface DigestsOptions extends InspectOptions {
  /** Requests in flight at once (and connections opened for them); default 20. */
  concurrency?: number;
  /** The challenge GET /v2/ answered last time: the token is asked at once, without the ping. */
  known?: KnownChallenge | undefined;
}

/** A registry's auth challenge as GET /v2/ gave it, and the scheme that answered. */
export interface KnownChallenge {
  scheme: 'https' | 'http';
  challenge: string;
  /** How many tags were asked last time: connections for as many open at once. */
  tags?: number;
}

/**
 * A session that can skip the ping: with a known challenge, authenticate() goes straight to the
 * token realm; without one, it pings and keeps what it saw.
 */
class ChallengeSession extends Session {
  known: KnownChallenge | undefined;
  seen: KnownChallenge | undefined;

  protected override async ping(): Promise<HttpResponse> {
    const known = this.known;
    if (known) {
      this.scheme = known.scheme;
      const url = `${known.scheme}://${this.target.host}/v2/`;
      const headers = { 'www-authenticate': known.challenge };
      return { url, status: 401, headers, body: Buffer.alloc(0), attempts: 0 };
    }
    const answer = await super.ping();
    const challenge = answer.headers['www-authenticate'];
    if (answer.status === 401 && typeof challenge === 'string')
      this.seen = { scheme: this.usedScheme, challenge };
    return answer;
  }

  /** A real GET /v2/, known challenge or not: its point is the connection it opens. */
  async warm(): Promise<void> {
    await super.ping();
  }

  /** With a known challenge first; if that fails, as podman does (the challenge may have changed). */
  async authenticateRemembering(): Promise<void> {
    if (!this.known) return this.authenticate();
    try {
      await this.authenticate();
    } catch {
      this.known = undefined;
      await this.authenticate();
    }
  }
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
  /** Opens connections for the HEADs to come (alongside the challenge and token), `n` in all. */
  warm(n: number): Promise<void>;
  /** What each tag points at now. */
  ask(tags: string[]): Promise<Map<string, TagAnswer>>;
  /** When the image behind a digest was built (its config's created), for a stale tag. */
  builtAt(digest: string): Promise<string | null>;
  /** Closes the connections. */
  close(): void;
  /** The challenge the registry gave, when it was asked (to remember for next time). */
  readonly seen: KnownChallenge | undefined;
}

const headerText = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.trim() || null;

const isoOrNull = (text: string | null) =>
  text && Number.isFinite(Date.parse(text))
    ? new Date(text).toISOString()
    : null;

/** Starts the challenge and token at once; `ask` waits for them. */
export function digestClient(
  host: string,
  repository: string,
  options: DigestsOptions,
): DigestClient {
  const limit = Math.max(1, options.concurrency ?? 20);
  // At most `limit` connections: a HEAD waits for a warmed one rather than opening one more.
  const agents = keepAliveAgents(limit);
  const session = new ChallengeSession(
    { host, repository, reference: '' },
    { ...options, http: { ...options.http, agents } },
  );
  session.known = options.known;
  const authenticated = session.authenticateRemembering();
  authenticated.catch(() => undefined); // awaited by ask(); unasked when no tag needs it
  let sha256: Digester | undefined;
  const warming: Promise<void>[] = [];
  const headOne = async (tag: string): Promise<TagAnswer> => {
    const what = `the tag ${tag}`;
    const head = await session.get(
      `manifests/${tag}`,
      MANIFEST_ACCEPT,
      what,
      'HEAD',
    );
    const digest = headerText(head.headers['docker-content-digest']);
    const lastModified = isoOrNull(headerText(head.headers['last-modified']));
    if (digest && /^sha256:[0-9a-f]{64}$/.test(digest))
      return { digest, lastModified };
    // No digest in the HEAD's answer (the spec lets a registry leave it out): the bytes say it.
    const full = await session.get(`manifests/${tag}`, MANIFEST_ACCEPT, what);
    return { digest: sha256!(full.body), lastModified };
  };
  return {
    async warm(n) {
      const more = Math.min(n, limit - 1) - warming.length;
      for (let i = 0; i < more; i++)
        warming.push(session.warm().catch(() => undefined));
      await Promise.all(warming);
    },
    async ask(tags) {
      [sha256] = await Promise.all([digester(), authenticated]);
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
    async builtAt(digest) {
      const target = { host, repository, reference: digest };
      sha256 ??= await digester();
      try {
        const top = await readTop(session, target, sha256);
        const instance = await readInstance(
          session,
          target,
          options,
          top,
          sha256,
        );
        return (await readConfig(session, target, instance, sha256)).created;
      } catch (error) {
        if (error instanceof QciError && !FATAL.has(error.kind)) return null;
        throw error;
      }
    },
  };
}

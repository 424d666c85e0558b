/**
 * A registry session that starts from what earlier runs left, and leaves what this one learned: the
 * challenge GET /v2/ gave (the token realm asked at once) and the token kept for this credential and
 * repository (requests sent at once; a refusal asks the realm anew, once). For qci inspect and the
 * registry reads of qci release; qci images opens its connections earlier (session/images.ts).
 */
import {
  pullScope,
  type InspectOptions,
  type MintedToken,
  type InspectTarget,
} from '../registry/inspect.js';
import {
  ChallengeSession,
  type KnownChallenge,
} from '../registry/kept-session.js';
import { rememberChallenge, rememberedChallenge } from './challenge-cache.js';
import { keptRegistryToken, settleKeptToken } from './registry-tokens.js';
import type { AuthSetup } from './setup.js';

export async function withRememberedSession<T>(
  setup: AuthSetup,
  target: InspectTarget,
  options: InspectOptions,
  /** Its requests go through `session.authorized` when it makes several (one retry each). */
  work: (session: ChallengeSession) => Promise<T>,
): Promise<T> {
  const now = setup.now();
  const scope = pullScope(target.repository);
  const [known, bearer] = await Promise.all([
    rememberedChallenge(
      setup,
      target.host,
      now,
      options.http.tlsVerify !== false,
    ),
    keptRegistryToken(setup, target.host, scope, options.credential, now),
  ]);
  const session = new ChallengeSession(target, options);
  session.known = known;
  try {
    await session.start(bearer);
    return await session.authorized(() => work(session));
  } finally {
    await leaveForNextRun(setup, target, options.credential, session, known);
  }
}

/**
 * What a session learned, left for the next run: the token the realm gave it kept (or the refused kept
 * one forgotten), and the challenge it saw with what the caller `learned` (tags asked, HTTP/2 taken).
 */
export async function leaveForNextRun(
  setup: AuthSetup,
  target: { host: string; repository: string },
  credential: InspectOptions['credential'],
  session: {
    minted?: MintedToken | undefined;
    bearerRejected: boolean;
    seen?: KnownChallenge | undefined;
  },
  known: KnownChallenge | undefined,
  learned: Pick<KnownChallenge, 'tags' | 'h2'> = {},
): Promise<void> {
  const now = setup.now();
  const scope = pullScope(target.repository);
  await settleKeptToken(setup, target.host, credential, session, now, scope);
  const base = session.seen ? { ...known, ...session.seen } : known;
  if (!base) return;
  const entry: KnownChallenge = { ...base };
  if (learned.tags !== undefined) entry.tags = learned.tags;
  if (learned.h2 !== undefined) entry.h2 = learned.h2;
  if (session.seen || entry.tags !== known?.tags || entry.h2 !== known?.h2)
    await rememberChallenge(setup, target.host, entry, now);
}

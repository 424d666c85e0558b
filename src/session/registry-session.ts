/**
 * A registry session that starts from what earlier runs left, and leaves what this one learned: the
 * challenge GET /v2/ gave (the token realm asked at once) and the token kept for this credential and
 * repository (requests sent at once; a refusal asks the realm anew, once). For qci inspect and the
 * registry reads of qci release; qci images opens its connections earlier (session/images.ts).
 */
import type {
  InspectOptions,
  InspectTarget,
  Session,
} from '../registry/inspect.js';
import { ChallengeSession } from '../registry/kept-session.js';
import { rememberChallenge, rememberedChallenge } from './challenge-cache.js';
import {
  keptRegistryToken,
  pullScope,
  settleKeptToken,
} from './registry-tokens.js';
import type { AuthSetup } from './setup.js';

export async function withRememberedSession<T>(
  setup: AuthSetup,
  target: InspectTarget,
  options: InspectOptions,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  const now = setup.now();
  const scope = pullScope(target.repository);
  const [known, bearer] = await Promise.all([
    rememberedChallenge(setup, target.host, now),
    keptRegistryToken(setup, target.host, scope, options.credential, now),
  ]);
  const session = new ChallengeSession(target, options);
  session.known = known;
  try {
    if (!(bearer && session.useKept(bearer, options.http.tlsVerify !== false)))
      await session.authenticateRemembering();
    return await session.authorized(() => work(session));
  } finally {
    const later = setup.now();
    const credential = options.credential;
    await settleKeptToken(
      setup,
      target.host,
      credential,
      session,
      later,
      scope,
    );
    if (session.seen)
      await rememberChallenge(
        setup,
        target.host,
        { ...known, ...session.seen },
        later,
      );
  }
}

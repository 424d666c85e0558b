/** The QCI registry answers, and accepts the credential the engine would send: ping, then its token service. */
import type { EngineName } from '../../engine/engine.js';
import type { CredentialCheck, Ping } from '../../registry/ping.js';
import { found, type Finding } from '../catalogue.js';
import { messageOf } from '../../core/errors.js';

export interface RegistryProbe {
  host: string;
  /** The engine qci runs (the findings name it). */
  engine: EngineName;
  /** `qci doctor --authfile PATH` with podman: the fix then names that file. */
  authfile?: string | undefined;
  /** GET /v2/ (throws when the registry cannot be reached). */
  ping(): Promise<Ping>;
  /** The credential the engine sends to the registry, and where it comes from; null when none. */
  engineSends(): Promise<{
    user: string;
    password: string;
    where: string;
  } | null>;
  /** Asks the registry's token service about the credential, as a pull does first. */
  checkCredential(
    ping: Ping,
    credential: { user: string; password: string },
  ): Promise<CredentialCheck>;
}

export async function checkRegistry(p: RegistryProbe): Promise<Finding[]> {
  const { host, engine } = p;
  let ping: Ping;
  try {
    ping = await p.ping();
  } catch (error) {
    const message = messageOf(error);
    return [found('registry.unreachable', { message })];
  }
  const { status, url } = ping;
  if (status >= 500 || status === 429)
    return [found('registry.busy', { host, status, url })];
  if (status === 401 && !ping.challenge)
    return [found('registry.no-challenge', { host, url, engine })];
  const reachable = found('registry.reachable', { host, url, status });
  const sent = await p.engineSends();
  if (!sent) return [reachable];
  const check = await p.checkCredential(ping, sent);
  const at = { host, status, where: sent.where, engine };
  const verdict = credentialFinding(check, at, p.authfile);
  return verdict ? [reachable, verdict] : [reachable];
}

function credentialFinding(
  check: CredentialCheck,
  at: { host: string; status: number; where: string; engine: EngineName },
  authfile: string | undefined,
): Finding | undefined {
  switch (check.state) {
    case 'accepted':
      return found('registry.credential-accepted', at);
    case 'denied':
      return found('registry.credential-denied', at);
    case 'unchecked':
      return found('registry.token-service-failed', {
        ...at,
        status: check.status,
      });
    case 'no-challenge':
      // A registry that answers 200 to anonymous pings has nothing to check.
      return at.status !== 200
        ? found('registry.no-token-service', at)
        : undefined;
    case 'rejected':
      return found('registry.credential-rejected', {
        ...at,
        status: check.status,
        authfile,
      });
  }
}

/**
 * The two registry calls qci makes without pulling (REFERENCE §7): ping `/v2/` for the auth challenge,
 * then ask the token realm whether a credential is accepted. Node's http(s) modules load lazily.
 */
import { ExitCode, QciError } from '../core/errors.js';
import { QCI_REPOSITORY_PATH } from '../core/reference.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface Challenge {
  scheme: string;
  realm: string | null;
  service: string | null;
}

export interface Ping {
  /** The URL that answered (https, or http for an insecure registry when TLS verification is off). */
  url: string;
  status: number;
  challenge: Challenge | null;
}

/**
 * One GET, answered by its status and headers only: the body is never read (a registry that streams one
 * cannot hold qci), and the whole request has a deadline, not just an idle timeout.
 */
async function get(url: string, options: { headers?: Record<string, string>; timeoutMs: number; tlsVerify: boolean }): Promise<HttpAnswer> {
  const isHttps = url.startsWith('https:');
  const mod = isHttps ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: 'GET', headers: options.headers, ...(isHttps ? { rejectUnauthorized: options.tlsVerify } : {}) }, (res) => {
      clearTimeout(deadline);
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.destroy();
    });
    const deadline = setTimeout(() => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), options.timeoutMs);
    req.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    req.end();
  });
}

/** `Bearer realm="…",service="…"` → its parts. */
export function parseChallenge(header: string | string[] | undefined): Challenge | null {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return null;
  const scheme = text.split(/\s+/, 1)[0] ?? '';
  const params = Object.fromEntries([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  return { scheme, realm: params.realm ?? null, service: params.service ?? null };
}

function unreachable(host: string, error: unknown): QciError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reason =
    code === 'ECONNREFUSED' ? 'connection refused' :
    code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'host not found (DNS)' :
    code === 'ETIMEDOUT' ? 'timed out' :
    /CERT|SIGN|SSL|TLS/.test(code) ? `TLS: ${code}` :
    (error as Error).message;
  return new QciError(`cannot reach the registry ${host}: ${reason}`, { kind: 'unreachable', exitCode: ExitCode.unreachable, hint: 'check your network or VPN' });
}

/**
 * GET /v2/ on the registry. With TLS verification off (a local test registry), plain HTTP is tried when
 * HTTPS fails, as podman does for an insecure registry.
 */
export async function pingRegistry(host: string, options: { tlsVerify: boolean; timeoutMs: number }): Promise<Ping> {
  const urls = options.tlsVerify ? [`https://${host}/v2/`] : [`https://${host}/v2/`, `http://${host}/v2/`];
  let lastError: unknown;
  for (const url of urls) {
    try {
      const answer = await get(url, { timeoutMs: options.timeoutMs, tlsVerify: options.tlsVerify });
      return { url, status: answer.status, challenge: parseChallenge(answer.headers['www-authenticate']) };
    } catch (error) {
      lastError = error;
      if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') break; // same port either way
    }
  }
  throw unreachable(host, lastError);
}

export type CredentialCheck = { state: 'accepted' } | { state: 'rejected'; status: number } | { state: 'denied'; status: number } | { state: 'no-challenge' };

/**
 * Asks the registry's token realm whether user:password may pull QCI: what `podman pull` does first,
 * without pulling. Credentials go only to a realm on the registry's own host, or over https.
 */
export async function checkCredential(
  host: string,
  ping: Ping,
  credential: { user: string; password: string },
  options: { tlsVerify: boolean; timeoutMs: number },
): Promise<CredentialCheck> {
  const realm = ping.challenge?.realm;
  if (!ping.challenge || ping.challenge.scheme.toLowerCase() !== 'bearer' || !realm) return { state: 'no-challenge' };
  const realmUrl = new URL(realm);
  if (realmUrl.protocol !== 'https:' && realmUrl.host !== host) {
    throw new QciError(`the registry ${host} names a token realm on another host over plain HTTP (${realmUrl.host}); qci will not send credentials there`, { kind: 'unsafe-realm' });
  }
  realmUrl.searchParams.set('scope', `repository:${QCI_REPOSITORY_PATH}:pull`);
  if (ping.challenge.service) realmUrl.searchParams.set('service', ping.challenge.service);
  let answer: HttpAnswer;
  try {
    answer = await get(realmUrl.toString(), {
      headers: { Authorization: `Basic ${Buffer.from(`${credential.user}:${credential.password}`).toString('base64')}` },
      timeoutMs: options.timeoutMs,
      tlsVerify: options.tlsVerify,
    });
  } catch (error) {
    throw unreachable(host, error);
  }
  if (answer.status === 200) return { state: 'accepted' };
  if (answer.status === 403) return { state: 'denied', status: answer.status };
  return { state: 'rejected', status: answer.status };
}

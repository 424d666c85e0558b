/**
 * The two registry calls qci makes without pulling, as the OCI distribution spec's token flow has them:
 * ping `/v2/` for the auth challenge, then ask the token realm whether a credential is accepted. Node's
 * http(s) modules load lazily.
 */
import { QciError } from '../core/errors.js';
import { QCI_REPOSITORY_PATH } from '../core/reference.js';
import { encodeAuth } from '../auth/entry.js';
import { httpGet } from './http.js';

/** The Authorization header of HTTP Basic, as the token service takes the engine's credential. */
export const basicAuth = (credential: { user: string; password: string }) =>
  `Basic ${encodeAuth(credential.user, credential.password)}`;

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
 * One GET through qci's registry HTTP client (proxies, TLS setting, a deadline per attempt, a body cap), with
 * no retries: a check that waits is a check that hangs doctor.
 */
async function get(
  url: string,
  options: {
    env: Record<string, string | undefined>;
    headers?: Record<string, string>;
    timeoutMs: number;
    tlsVerify: boolean;
  },
): Promise<HttpAnswer> {
  const answer = await httpGet(
    {
      url,
      ...(options.headers ? { headers: options.headers } : {}),
      maxRedirects: 0,
    },
    {
      env: options.env,
      tlsVerify: options.tlsVerify,
      timeoutMs: options.timeoutMs,
      retries: 0,
      backoffMs: 0,
      maxRetryAfterMs: 0,
      maxBodyBytes: 64 * 1024,
    },
  );
  return { status: answer.status, headers: answer.headers };
}

/** `Bearer realm="…",service="…"` → its parts. */
export function parseChallenge(
  header: string | string[] | undefined,
): Challenge | null {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return null;
  const scheme = text.split(/\s+/, 1)[0] ?? '';
  const params = Object.fromEntries(
    [...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [
      m[1]!.toLowerCase(),
      m[2]!,
    ]),
  );
  return {
    scheme,
    realm: params.realm ?? null,
    service: params.service ?? null,
  };
}

/**
 * A challenge's token realm as a URL qci may ask: http or https, with a host. A realm that is not one
 * (file:, javascript:, a broken URL) is the registry's error, never a request to somewhere else.
 */
export function realmUrlOf(realm: string, base: string, host: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(realm, base);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    !url.host
  )
    throw new QciError(
      `the registry ${host} names a token realm qci cannot use (${JSON.stringify(realm.slice(0, 120))})`,
      { kind: 'unsafe-realm' },
    );
  return url;
}

/**
 * GET /v2/ on the registry. With TLS verification off (a local test registry), plain HTTP is tried when
 * HTTPS fails, as podman does for an insecure registry.
 */
export async function pingRegistry(
  host: string,
  options: {
    env: Record<string, string | undefined>;
    tlsVerify: boolean;
    timeoutMs: number;
  },
): Promise<Ping> {
  const urls = options.tlsVerify
    ? [`https://${host}/v2/`]
    : [`https://${host}/v2/`, `http://${host}/v2/`];
  let lastError: unknown;
  for (const url of urls) {
    try {
      const answer = await get(url, options);
      return {
        url,
        status: answer.status,
        challenge: parseChallenge(answer.headers['www-authenticate']),
      };
    } catch (error) {
      lastError = error;
      if (
        error instanceof QciError &&
        error.message.endsWith('connection refused')
      )
        break; // same port either way
    }
  }
  throw lastError;
}

export type CredentialCheck =
  | { state: 'accepted' }
  | { state: 'rejected'; status: number }
  | { state: 'denied'; status: number }
  | { state: 'no-challenge' }
  /** The realm could not say (a server error, rate limiting): neither good nor bad. */
  | { state: 'unchecked'; status: number };

/**
 * Asks the registry's token realm whether user:password may pull QCI: what `podman pull` does first,
 * without pulling. Credentials go only to a realm on the registry's own host, or over https.
 */
export async function checkCredential(
  host: string,
  ping: Ping,
  credential: { user: string; password: string },
  options: {
    env: Record<string, string | undefined>;
    tlsVerify: boolean;
    timeoutMs: number;
  },
): Promise<CredentialCheck> {
  const realm = ping.challenge?.realm;
  if (
    !ping.challenge ||
    ping.challenge.scheme.toLowerCase() !== 'bearer' ||
    !realm
  )
    return { state: 'no-challenge' };
  const realmUrl = realmUrlOf(realm, ping.url, host);
  if (realmUrl.protocol !== 'https:' && realmUrl.host !== host) {
    throw new QciError(
      `the registry ${host} names a token realm on another host over plain HTTP (${realmUrl.host}); qci will not send credentials there`,
      { kind: 'unsafe-realm' },
    );
  }
  realmUrl.searchParams.set('scope', `repository:${QCI_REPOSITORY_PATH}:pull`);
  if (ping.challenge.service)
    realmUrl.searchParams.set('service', ping.challenge.service);
  const answer = await get(realmUrl.toString(), {
    ...options,
    headers: {
      Authorization: basicAuth(credential),
    },
  });
  if (answer.status === 200) return { state: 'accepted' };
  if (answer.status === 403) return { state: 'denied', status: answer.status };
  if (answer.status >= 500 || answer.status === 429)
    return { state: 'unchecked', status: answer.status };
  return { state: 'rejected', status: answer.status };
}

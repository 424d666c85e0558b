/**
 * The registry's HTTP client under qci inspect, on qci's one transport (src/io/http.ts: proxies as podman
 * reads them, TLS, the deadline per attempt, the body cap): retries with exponential backoff on 429 and
 * 5xx (and dropped connections) that honour Retry-After, and redirects that never carry credentials to
 * another host.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { formatBytes } from '../core/bytes.js';
import { QciError } from '../core/errors.js';
import {
  errorCode,
  failureKind,
  fetchBuffered,
  type Env,
  type KeepAliveAgents,
} from '../io/http.js';
import { proxyFor } from '../io/proxy-env.js';

export interface HttpOptions {
  env: Env;
  /** Verify TLS certificates (QCI_TLS_VERIFY / --tls-verify). */
  tlsVerify: boolean;
  /** One attempt, connection to last byte. */
  timeoutMs: number;
  /** Extra attempts after a 429, a 5xx or a dropped connection. */
  retries: number;
  /** First backoff; doubles each retry (with up to 25% jitter). */
  backoffMs: number;
  /** Longest Retry-After qci waits; a longer one ends the retries at once. */
  maxRetryAfterMs: number;
  maxBodyBytes: number;
  /** Tests replace the clock's waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** --verbose: one line per request, retry and proxy decision (never a header value). */
  log?: (line: string) => void;
  /** Connections shared by many requests (keepAliveAgents()); Node's global agent otherwise. */
  agents?: KeepAliveAgents;
}

export const DEFAULT_HTTP_OPTIONS: Omit<HttpOptions, 'env' | 'tlsVerify'> = {
  timeoutMs: 30_000,
  retries: 3,
  backoffMs: 500,
  maxRetryAfterMs: 30_000,
  maxBodyBytes: 8 * 1024 * 1024,
};

export interface HttpResponse {
  /** The URL that answered (after redirects). */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** How many attempts the last hop took. */
  attempts: number;
}

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Redirects to follow (default 5); Authorization is dropped when one leaves the request's host. */
  maxRedirects?: number;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRY_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  // An HTTP/2 connection that ended (a GOAWAY, a reset): the next attempt goes on HTTP/1.1.
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(
  value: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const tlsReason = (error: unknown) => `TLS failure (${errorCode(error)})`;
const REASONS: Partial<
  Record<ReturnType<typeof failureKind>, (error: unknown) => string>
> = {
  refused: () => 'connection refused',
  dns: () => 'host not found (DNS)',
  timeout: () => 'timed out',
  reset: () => 'connection reset',
  proxy: (error) => (error as Error).message,
  certificate: tlsReason,
  tls: tlsReason,
  protocol: tlsReason,
};
const otherReason = (error: unknown) =>
  (error as Error).message || errorCode(error) || 'network error';

/** A network failure as a QciError: exit 6, the host, a cause a person understands. */
export function networkError(
  host: string,
  error: unknown,
  via: string | null,
): QciError {
  const reason = REASONS[failureKind(error)]?.(error) ?? otherReason(error);
  return new QciError(
    `cannot reach ${host}${via ? ` through the proxy ${via}` : ''}: ${reason}`,
    {
      kind: 'unreachable',
      hint: via
        ? 'check HTTPS_PROXY / NO_PROXY and the proxy'
        : /TLS/.test(reason)
          ? 'check the system CA bundle (or, for a local test registry, --tls-verify=false)'
          : 'check your network or VPN',
    },
  );
}

const sleepReal = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One request, one answer, no retries: the whole exchange must finish within timeoutMs. */
async function attempt(
  request: HttpRequest,
  options: HttpOptions,
): Promise<HttpResponse> {
  const url = new URL(request.url);
  const answer = await fetchBuffered(
    url,
    {
      method: request.method ?? 'GET',
      headers: { 'User-Agent': 'qci', ...request.headers },
    },
    {
      env: options.env,
      tlsVerify: options.tlsVerify,
      deadline: AbortSignal.timeout(options.timeoutMs),
      ...(options.agents ? { agents: options.agents } : {}),
      maxBytes: options.maxBodyBytes,
      overflow: 'fail',
    },
  );
  return { ...answer, url: url.toString(), attempts: 1 };
}

/**
 * GET (or HEAD) with retries and redirects. Returns the final answer, whatever its status (a 404 is an
 * answer, not an error); throws a QciError (exit 6) when the server cannot be reached at all.
 */
export async function httpGet(
  request: HttpRequest,
  options: HttpOptions,
): Promise<HttpResponse> {
  const sleep = options.sleep ?? sleepReal;
  const log = options.log ?? (() => {});
  let current: HttpRequest = request;
  for (let hop = 0; ; hop++) {
    const url = new URL(current.url);
    const via = proxyFor(url, options.env);
    log(
      `${current.method ?? 'GET'} ${url.origin}${url.pathname}${via.proxy ? ` (via proxy ${via.proxy.host})` : ''}`,
    );
    let response: HttpResponse | undefined;
    for (let n = 0; ; n++) {
      let failure: unknown;
      try {
        response = await attempt(current, options);
        response.attempts = n + 1;
      } catch (error) {
        failure = error;
      }
      const code = errorCode(failure);
      const retryable = failure
        ? RETRY_CODES.has(code)
        : RETRY_STATUS.has(response!.status);
      if (!retryable || n >= options.retries) {
        // The server was reached: an answer past the cap is not a network failure.
        if (failure && failureKind(failure) === 'too-big')
          throw new QciError(
            `${url.host} answered with more than ${formatBytes(options.maxBodyBytes)}: not an answer qci asked for`,
            { kind: 'answer-too-big' },
          );
        if (failure)
          throw networkError(url.host, failure, via.proxy?.host ?? null);
        break;
      }
      const backoff = options.backoffMs * 2 ** n * (1 + Math.random() / 4);
      const asked = failure
        ? undefined
        : retryAfterMs(response!.headers['retry-after']);
      if (asked !== undefined && asked > options.maxRetryAfterMs) break; // the server wants longer than qci waits
      const wait = asked !== undefined ? Math.max(asked, 0) : backoff;
      log(
        `  ${failure ? code : `HTTP ${response!.status}`}; retrying in ${(wait / 1000).toFixed(1)} s${asked !== undefined ? ' (Retry-After)' : ''}`,
      );
      await sleep(wait);
    }
    if (!REDIRECT.has(response!.status) || !response!.headers.location)
      return response!;
    if (hop >= (request.maxRedirects ?? 5))
      throw new QciError(
        `too many redirects from ${new URL(request.url).host}`,
        { kind: 'too-many-redirects' },
      );
    const next = new URL(response!.headers.location, url);
    // Credentials stay with the host they were meant for (blob redirects go to a CDN).
    const headers = { ...current.headers };
    if (next.origin !== url.origin)
      for (const name of Object.keys(headers))
        if (name.toLowerCase() === 'authorization') delete headers[name];
    current = { ...current, url: next.toString(), headers };
  }
}

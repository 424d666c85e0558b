/**
 * The HTTP client under qci inspect: GET with a deadline per attempt, retries with exponential backoff on
 * 429 and 5xx (and dropped connections) that honour Retry-After, redirects that never carry credentials to
 * another host, and HTTPS_PROXY / HTTP_PROXY / NO_PROXY as podman reads them (an http CONNECT tunnel for
 * https). Node's http modules load when the first request is made.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { QciError } from '../core/errors.js';
import { proxyFor } from './proxy-env.js';

export interface HttpOptions {
  env: Record<string, string | undefined>;
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

/** A network failure as a QciError: exit 6, the host, a cause a person understands. */
export function networkError(
  host: string,
  error: unknown,
  via: string | null,
): QciError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reason =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host not found (DNS)'
        : code === 'ETIMEDOUT'
          ? 'timed out'
          : code === 'ECONNRESET'
            ? 'connection reset'
            : code === 'EPROXY'
              ? (error as Error).message
              : /CERT|SIGN|SSL|TLS|EPROTO/.test(code)
                ? `TLS failure (${code})`
                : (error as Error).message || code || 'network error';
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

/** Opens a CONNECT tunnel through an http proxy; resolves with the raw socket. */
async function tunnel(
  proxy: URL,
  host: string,
  port: string,
  timeoutMs: number,
): Promise<Socket> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: `${host}:${port}` };
    if (proxy.username)
      headers['Proxy-Authorization'] =
        `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers,
      timeout: timeoutMs,
    });
    req.on('connect', (res: IncomingMessage, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(
          Object.assign(
            new Error(
              `the proxy refused to connect to ${host}:${port} (HTTP ${res.statusCode})`,
            ),
            { code: 'EPROXY' },
          ),
        );
        return;
      }
      resolve(socket);
    });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.end();
  });
}

/** One request, one answer, no retries: the whole exchange must finish within timeoutMs. */
async function attempt(
  request: HttpRequest,
  options: HttpOptions,
): Promise<HttpResponse> {
  const url = new URL(request.url);
  const isHttps = url.protocol === 'https:';
  const { proxy } = proxyFor(url, options.env);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (isHttps ? '443' : '80');
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const timedOut = () =>
    Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' });

  let socket: Socket | undefined;
  if (proxy && isHttps) {
    const raw = await Promise.race([
      tunnel(proxy, host, port, options.timeoutMs),
      new Promise<never>((_, reject) =>
        deadline.addEventListener('abort', () => reject(timedOut()), {
          once: true,
        }),
      ),
    ]);
    const tls = await import('node:tls');
    socket = tls.connect({
      socket: raw,
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      rejectUnauthorized: options.tlsVerify,
      ALPNProtocols: ['http/1.1'],
    });
  }

  const mod = isHttps ? await import('node:https') : await import('node:http');
  return new Promise<HttpResponse>((resolve, reject) => {
    const headers: Record<string, string> = {
      'User-Agent': 'qci',
      ...request.headers,
    };
    let target: Parameters<typeof mod.request>[1];
    if (socket) {
      const tunnelled = socket;
      target = {
        host,
        port,
        path: `${url.pathname}${url.search}`,
        createConnection: () => tunnelled,
        rejectUnauthorized: options.tlsVerify,
      };
    } else if (proxy) {
      // Plain http through a proxy: the absolute URL as the request target.
      if (proxy.username)
        headers['Proxy-Authorization'] =
          `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
      headers.Host = url.host;
      target = {
        host: proxy.hostname,
        port: proxy.port || 80,
        path: url.toString(),
      };
    } else {
      target = {
        host,
        port,
        path: `${url.pathname}${url.search}`,
        ...(isHttps
          ? {
              rejectUnauthorized: options.tlsVerify,
              servername: /^[\d.]+$|:/.test(host) ? undefined : host,
            }
          : {}),
      };
    }
    const req = mod.request(
      { ...target, method: request.method ?? 'GET', headers, signal: deadline },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBodyBytes) {
            req.destroy(
              Object.assign(
                new Error(`answer larger than ${options.maxBodyBytes} bytes`),
                { code: 'ETOOBIG' },
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            url: url.toString(),
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            attempts: 1,
          }),
        );
        res.on('error', (error: Error) =>
          reject(
            error.name === 'AbortError' || deadline.aborted
              ? timedOut()
              : error,
          ),
        );
      },
    );
    req.on('error', (error: Error) =>
      reject(error.name === 'AbortError' ? timedOut() : error),
    );
    req.end();
  });
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
      `GET ${url.origin}${url.pathname}${via.proxy ? ` (via proxy ${via.proxy.host})` : ''}`,
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
      const code = (failure as NodeJS.ErrnoException | undefined)?.code ?? '';
      const retryable = failure
        ? RETRY_CODES.has(code)
        : RETRY_STATUS.has(response!.status);
      if (!retryable || n >= options.retries) {
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

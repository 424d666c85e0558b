/**
 * A small HTTP GET for job logs on qci's one transport (src/io/http.ts: keep-alive agents, the inactivity
 * timeout, the deadline over the whole run): every hop checked against the fetch rules, redirects up to a
 * limit, gzip decoded as it streams, and a body the caller can stop reading at any point (which closes
 * the connection, so nothing more is downloaded).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { QciError } from '../core/errors.js';
import { fetchRefusal } from '../core/joblog-source.js';
import {
  errorCode,
  type Exchange,
  type FailureKind,
  failureKind,
  keepAliveAgents,
  open,
  type TransportError,
} from '../io/http.js';

export interface HttpLimits {
  /**
   * The whole operation's deadline, counted from the client's creation over every request and body
   * read (a server dripping one byte a second cannot keep qci forever); also the longest silence.
   */
  timeoutMs: number;
  maxRedirects: number;
  /** Hosts https may reach (loopback is always allowed, over http too). */
  allowedHosts: readonly string[];
  userAgent: string;
  /** --verbose: each request and what it answered. */
  trace?: (message: string) => void;
}

export interface HttpResponse {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  /** The decoded body; breaking out of it (or close()) aborts the download. */
  body: AsyncIterable<Uint8Array>;
  /** Bytes received on the wire so far (before gzip decoding). */
  wireBytes(): number;
  close(): void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One per command run: keeps the connection for finished.json after the log, and is closed at the end. */
export class HttpClient {
  private readonly agents = keepAliveAgents(2);
  private readonly deadline: AbortSignal;

  constructor(private readonly limits: HttpLimits) {
    this.deadline = AbortSignal.timeout(limits.timeoutMs);
  }

  async get(target: string): Promise<HttpResponse> {
    let url = new URL(target);
    for (let hop = 0; ; hop++) {
      const refusal = fetchRefusal(url, this.limits.allowedHosts);
      if (refusal) {
        const via = hop > 0 ? ` (redirected from ${target})` : '';
        throw new QciError(`will not fetch ${url.href}${via}: ${refusal}`, {
          kind: 'refused-url',
        });
      }
      const response = await this.once(url);
      this.limits.trace?.(`GET ${url.href} → ${response.status}`);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.status) || !location) return response;
      response.close();
      if (hop >= this.limits.maxRedirects) {
        throw new QciError(
          `too many redirects fetching ${target} (more than ${this.limits.maxRedirects})`,
          {
            kind: 'too-many-redirects',
            hint: 'raise QCI_JOB_LOG_MAX_REDIRECTS (or --max-redirects) if the server really needs more',
          },
        );
      }
      url = redirectTarget(location, url);
    }
  }

  close(): void {
    this.agents.destroy();
  }

  private async once(url: URL): Promise<HttpResponse> {
    const timeoutMs = this.limits.timeoutMs;
    const problem = (error: unknown): QciError =>
      error instanceof QciError
        ? error
        : (error as TransportError).timeout === 'deadline'
          ? deadlineError(url, timeoutMs)
          : networkError(url, error, timeoutMs);
    const exchange = await open(
      url,
      {
        headers: {
          'user-agent': this.limits.userAgent,
          'accept-encoding': 'gzip',
          accept: '*/*',
        },
      },
      {
        agents: this.agents,
        idleTimeoutMs: timeoutMs,
        deadline: this.deadline,
      },
    ).catch((error: unknown) => {
      throw problem(error);
    });
    const fail = (error: unknown) => problem(exchange.failure(error));
    return decoded(url, exchange, fail);
  }
}

/** The body as the server's content encoding has it decoded (gzip, deflate), wire bytes counted. */
async function decoded(
  url: URL,
  exchange: Exchange,
  problem: (error: unknown) => QciError,
): Promise<HttpResponse> {
  const res = exchange.response;
  let received = 0;
  const encoding = String(
    res.headers['content-encoding'] ?? 'identity',
  ).toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
    const zlib = await import('node:zlib');
    const decoder =
      encoding === 'deflate' ? zlib.createInflate() : zlib.createGunzip();
    // pipe() makes res flow, so a 'data' listener sees every wire byte.
    res.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    res.on('error', (error) => decoder.destroy(error));
    res.pipe(decoder);
    const closeBoth = () => {
      decoder.destroy();
      exchange.close();
    };
    return wrap(url, res, decoder, () => received, closeBoth, problem);
  }
  if (encoding !== 'identity') {
    exchange.close();
    throw new QciError(
      `${url.href} answered with content encoding "${encoding}", which qci cannot decode`,
      { kind: 'bad-encoding' },
    );
  }
  // Counted as it is read: a 'data' listener here would start the flow before the caller reads.
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      received += chunk.length;
      yield chunk;
    }
  }
  const close = () => exchange.close();
  return wrap(url, res, counted(), () => received, close, problem);
}

function wrap(
  url: URL,
  res: IncomingMessage,
  stream: AsyncIterable<Uint8Array>,
  wireBytes: () => number,
  close: () => void,
  problem: (error: unknown) => QciError,
): HttpResponse {
  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of stream) yield chunk;
      // A body cut short (connection closed before Content-Length) is an error, not the end of the log.
      if (res.complete === false)
        throw new Error(
          'the connection closed before the whole response arrived',
        );
    } catch (error) {
      throw problem(error);
    } finally {
      close();
    }
  }
  return {
    url: url.href,
    status: res.statusCode ?? 0,
    headers: res.headers,
    body: body(),
    wireBytes,
    close,
  };
}

function deadlineError(url: URL, timeoutMs: number): QciError {
  return new QciError(
    `gave up after ${timeoutMs / 1000} s (--timeout): ${url.host} had not finished sending ${url.href}`,
    {
      kind: 'timeout',
      hint: 'try again later, or allow more time with --timeout SECONDS (env QCI_JOB_LOG_TIMEOUT)',
    },
  );
}

const TLS_ERROR = (url: URL, error: unknown) =>
  `TLS error talking to ${url.host} (${errorCode(error)})`;
/** What a failure was, in the words of a job-log fetch (the transport names the kind). */
const WHY: Partial<Record<FailureKind, (url: URL, error: unknown) => string>> =
  {
    dns: (url) => `cannot resolve ${url.hostname}`,
    refused: (url) => `connection refused by ${url.host}`,
    reset: (url) => `connection to ${url.host} was reset`,
    certificate: TLS_ERROR,
    tls: TLS_ERROR,
  };

function networkError(url: URL, error: unknown, timeoutMs: number): QciError {
  const host = url.host;
  if ((error as TransportError).timeout === 'idle') {
    return new QciError(
      `no answer from ${host} for ${timeoutMs / 1000} s, reading ${url.href}`,
      {
        kind: 'timeout',
        hint: 'try again later, or allow more time with --timeout SECONDS (env QCI_JOB_LOG_TIMEOUT)',
      },
    );
  }
  const code = errorCode(error);
  const message = (error as Error)?.message ?? String(error);
  const why =
    WHY[failureKind(error)]?.(url, error) ??
    `${host}: ${message}${code ? ` (${code})` : ''}`;
  return new QciError(`${why}, reading ${url.href}`, {
    kind: 'unreachable',
    cause: error,
    hint: 'check the network; or save the log from the job page in a browser and run qci job-image FILE',
  });
}

/** Where a redirect points; a Location that is no URL is the server's error, said as such. */
function redirectTarget(location: string, from: URL): URL {
  try {
    return new URL(location, from);
  } catch {
    throw new QciError(
      `${from.host} redirected to something that is not a URL (${JSON.stringify(location.slice(0, 120))})`,
      { kind: 'refused-url' },
    );
  }
}

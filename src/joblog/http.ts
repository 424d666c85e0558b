/**
 * A small HTTP GET for job logs: Node's own http/https (loaded on first use), every hop checked against the
 * fetch rules, redirects up to a limit, an inactivity timeout, gzip decoded as it streams, and a body the
 * caller can stop reading at any point (which closes the connection, so nothing more is downloaded).
 */
import type {
  ClientRequest,
  IncomingHttpHeaders,
  IncomingMessage,
  Agent as HttpAgent,
} from 'node:http';
import { QciError } from '../core/errors.js';
import { fetchRefusal } from '../core/joblog-source.js';

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
  private agents = new Map<string, HttpAgent>();
  private readonly deadline: number;

  constructor(private readonly limits: HttpLimits) {
    this.deadline = Date.now() + limits.timeoutMs;
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
      url = new URL(location, url);
    }
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private async once(url: URL): Promise<HttpResponse> {
    const https = url.protocol === 'https:';
    const mod = https ? await import('node:https') : await import('node:http');
    let agent = this.agents.get(url.protocol);
    if (!agent) {
      agent = new mod.Agent({ keepAlive: true, maxSockets: 2 });
      this.agents.set(url.protocol, agent);
    }
    const timeoutMs = this.limits.timeoutMs;
    let timedOut = false;
    let pastDeadline = false;
    let received = 0;

    const problem = (error: unknown): QciError => {
      if (error instanceof QciError) return error;
      if (pastDeadline) return deadlineError(url, timeoutMs);
      return networkError(url, error, timedOut, timeoutMs);
    };
    const remaining = this.deadline - Date.now();
    if (remaining <= 0) throw deadlineError(url, timeoutMs);
    // Destroys whatever is in flight when the deadline passes: the request, or the body being read.
    let inFlight: { destroy(error?: Error): void }[] = [];
    const deadlineTimer = setTimeout(() => {
      pastDeadline = true;
      for (const stream of inFlight) stream.destroy(new Error('deadline'));
    }, remaining);
    deadlineTimer.unref?.();

    const { req, res } = await new Promise<{
      req: ClientRequest;
      res: IncomingMessage;
    }>((resolve, reject) => {
      const req = mod.request(url, {
        method: 'GET',
        agent,
        timeout: timeoutMs,
        headers: {
          'user-agent': this.limits.userAgent,
          'accept-encoding': 'gzip',
          accept: '*/*',
        },
      });
      req.on('timeout', () => {
        timedOut = true;
        req.destroy(new Error('timeout'));
      });
      req.on('error', (error) => reject(problem(error)));
      req.on('response', (res) => resolve({ req, res }));
      inFlight = [req];
      req.end();
    }).catch((error: unknown) => {
      clearTimeout(deadlineTimer);
      throw error;
    });
    inFlight = [req, res];
    const close = () => {
      clearTimeout(deadlineTimer);
      if (!res.destroyed) res.destroy();
      if (!req.destroyed) req.destroy();
    };

    const encoding = String(
      res.headers['content-encoding'] ?? 'identity',
    ).toLowerCase();
    if (
      encoding === 'gzip' ||
      encoding === 'x-gzip' ||
      encoding === 'deflate'
    ) {
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
        close();
      };
      return this.wrap(url, res, decoder, () => received, closeBoth, problem);
    }
    if (encoding !== 'identity') {
      close();
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
    return this.wrap(url, res, counted(), () => received, close, problem);
  }

  private wrap(
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

function networkError(
  url: URL,
  error: unknown,
  timedOut: boolean,
  timeoutMs: number,
): QciError {
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  const host = url.host;
  const seconds = timeoutMs / 1000;
  if (timedOut) {
    return new QciError(
      `no answer from ${host} for ${seconds} s, reading ${url.href}`,
      {
        kind: 'timeout',
        hint: 'try again later, or allow more time with --timeout SECONDS (env QCI_JOB_LOG_TIMEOUT)',
      },
    );
  }
  const message = (error as Error)?.message ?? String(error);
  const why =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `cannot resolve ${url.hostname}`
      : code === 'ECONNREFUSED'
        ? `connection refused by ${host}`
        : code === 'ECONNRESET' || message === 'aborted'
          ? `connection to ${host} was reset`
          : /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code)
            ? `TLS error talking to ${host} (${code})`
            : `${host}: ${message}${code ? ` (${code})` : ''}`;
  return new QciError(`${why}, reading ${url.href}`, {
    kind: 'unreachable',
    cause: error,
    hint: 'check the network; or save the log from the job page in a browser and run qci job-image FILE',
  });
}

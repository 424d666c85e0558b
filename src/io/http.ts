/**
 * The one transport under qci's own HTTP (the registry API, job logs, the OAuth login): a route (direct,
 * or through HTTPS_PROXY / HTTP_PROXY as podman chooses it), TLS settings (a CA list; verification off
 * only where the caller says so), keep-alive agents, an idle timeout and a deadline that ends the whole
 * exchange, body included, a cap on buffered bodies, and failures that never carry a credential.
 * What each caller does on top (retries, redirects, gzip, refused URLs, its own wording) stays with it.
 * Node's http modules load when the first request is made: this module is part of start-up.
 */
import type {
  Agent,
  ClientRequest,
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
} from 'node:http';
import type { ClientHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { QciError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { Ahead, Connect } from './spares.js';

export type Env = Record<string, string | undefined>;

export interface TransportOptions {
  /** Honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY from here; without it, always direct. */
  env?: Env;
  /** Verify the server's certificate (default true). */
  tlsVerify?: boolean;
  /** PEM certificates to trust instead of Node's default store. */
  ca?: readonly string[];
  /** Longest silence on the socket: the exchange fails with ETIMEDOUT (`timeout: 'idle'`). */
  idleTimeoutMs?: number;
  /** Ends the exchange, body included, when it aborts: ETIMEDOUT (`timeout: 'deadline'`). */
  deadline?: AbortSignal;
  /** Connections kept for the next request (keepAliveAgents()); Node's global agent otherwise. */
  agents?: KeepAliveAgents;
}

export interface Outgoing {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** An answer whose body is still to be read (from `response`). */
export interface Exchange {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  response: IncomingMessage;
  /** Any error met while reading the body, as the transport's failure (deadline and idle timeout named). */
  failure(error: unknown): unknown;
  /** Closes the connection: nothing more is downloaded. */
  close(): void;
}

export interface BufferedAnswer {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface BodyCap {
  maxBytes: number;
  /** 'fail': ETOOBIG past the cap; 'truncate': keep the first maxBytes (at chunk granularity). */
  overflow: 'fail' | 'truncate';
}

/**
 * A failure of the transport: Node's code (ECONNREFUSED, ETIMEDOUT, …) or one of its own (EPROXY: the
 * proxy refused the tunnel; ETOOBIG: a body past its cap), and a message with every credential masked.
 */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly timeout?: 'idle' | 'deadline',
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** What went wrong, in the words callers choose their message by. */
export type FailureKind =
  | 'refused'
  | 'dns'
  | 'timeout'
  | 'reset'
  | 'certificate'
  | 'tls'
  | 'protocol'
  | 'proxy'
  | 'too-big'
  | 'other';

export function failureKind(error: unknown): FailureKind {
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ECONNRESET' || (error as Error)?.message === 'aborted')
    return 'reset';
  if (code === 'EPROXY') return 'proxy';
  if (code === 'ETOOBIG') return 'too-big';
  if (/CERT|SIGN|UNABLE_TO_VERIFY/i.test(code)) return 'certificate';
  if (/SSL|TLS/i.test(code)) return 'tls';
  if (code === 'EPROTO') return 'protocol'; // TLS spoken to a server that does not
  return 'other';
}

export const errorCode = (error: unknown): string =>
  (error as NodeJS.ErrnoException | undefined)?.code ?? '';

/** One agent per protocol, keeping connections open between requests; destroy() when done. */
export interface KeepAliveAgents {
  for(protocol: string): Promise<Agent>;
  /**
   * Opens `n` connections to `url`'s server now (TCP and TLS under way), which the next requests there
   * take instead of opening their own: a request made when they are ready goes out at once. Only on a
   * direct route (a tunnel through a proxy is a connection per request); failures are the requests' own.
   * With `h2`, https connections offer HTTP/2 by ALPN; if the server takes it on the first one, every
   * request to that origin is a stream on it and the others close.
   */
  preconnect(
    url: URL,
    n: number,
    options: TransportOptions & { h2?: boolean },
  ): Promise<void>;
  /** The HTTP/2 session for `url`'s origin, once the first connection opened with `h2` says (null: HTTP/1.1). */
  sessionFor(url: URL): Promise<ClientHttp2Session | null> | undefined;
  /** What the server chose for `url`'s origin: 'h2', 'http/1.1', or undefined before it was asked. */
  protocolOf(url: URL): 'h2' | 'http/1.1' | undefined;
  destroy(): void;
}

export function keepAliveAgents(maxSockets: number): KeepAliveAgents {
  // The promise is kept, not the agent: requests started together share one agent (and its sockets).
  const agents = new Map<string, Promise<Agent>>();
  // Made by the first preconnect (src/io/spares.ts, loaded then: start-up does without it).
  let ahead: Ahead | undefined;
  // Each agent's own createConnection, for the connections opened ahead themselves.
  const originals = new WeakMap<Agent, Connect>();
  const withSpares = (agent: Agent) => {
    const own = agent as unknown as { createConnection: Connect };
    const create = own.createConnection;
    originals.set(agent, create);
    own.createConnection = function fromSpares(options, cb) {
      return (
        ahead?.spares.take(options._agentKey) ?? create.call(this, options, cb)
      );
    };
    return agent;
  };
  const api: KeepAliveAgents = {
    for(protocol) {
      let agent = agents.get(protocol);
      if (!agent) {
        agent = nodeHttp(protocol).then((mod) =>
          withSpares(new mod.Agent({ keepAlive: true, maxSockets })),
        );
        agents.set(protocol, agent);
      }
      return agent;
    },
    async preconnect(url, n, options) {
      if (options.env) {
        const { proxyFor } = await import('./proxy-env.js');
        if (proxyFor(url, options.env).proxy) return;
      }
      const { Ahead } = await import('./spares.js');
      ahead ??= new Ahead(maxSockets);
      const agent = await api.for(url.protocol);
      const create = originals.get(agent);
      if (!create) return;
      const { host, port, tls } = endpoint(url, options);
      await ahead.open(url, n, {
        agent,
        create,
        target: { host, port, ...tls },
        ca: options.ca,
        h2: options.h2 === true,
        idleMs: options.idleTimeoutMs ?? 30_000,
      });
    },
    sessionFor: (url) => ahead?.sessionFor(url),
    protocolOf: (url) => ahead?.protocolOf(url),
    destroy() {
      for (const agent of agents.values()) void agent.then((a) => a.destroy());
      agents.clear();
      ahead?.destroy();
    },
  };
  return api;
}

const nodeHttp = async (protocol: string) =>
  protocol === 'https:'
    ? await import('node:https')
    : await import('node:http');

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The proxy's own credential, from its URL. */
const proxyAuthorization = (proxy: URL) =>
  basic(decodeURIComponent(proxy.username), decodeURIComponent(proxy.password));

/** Every value that must not show in a message: credentials in headers and passwords in URLs. */
function secretsOf(
  url: URL,
  headers: Record<string, string>,
  proxy: URL | null,
) {
  const secrets: string[] = [];
  if (url.password) secrets.push(decodeURIComponent(url.password));
  for (const [name, value] of Object.entries(headers))
    if (/authorization|cookie|token/i.test(name))
      secrets.push(...value.split(/\s+/).slice(1), value); // the token first: "Bearer sha256~abcd…"
  if (proxy?.password) secrets.push(decodeURIComponent(proxy.password));
  return secrets;
}

/** A Node error as a TransportError, its message redacted; qci's own errors pass through. */
function asFailure(error: unknown, secrets: readonly string[]): unknown {
  if (
    error instanceof TransportError ||
    error instanceof QciError ||
    !(error instanceof Error)
  )
    return error;
  return new TransportError(redact(error.message, secrets), errorCode(error));
}

const timedOut = (timeout: 'idle' | 'deadline') =>
  new TransportError('timed out', 'ETIMEDOUT', timeout);

/** A host for TLS's server name: none for an address. */
const serverName = (host: string) =>
  /^[\d.]+$|:/.test(host) ? undefined : host;

/** Opens a CONNECT tunnel through an http proxy; resolves with the raw socket. */
async function tunnel(
  proxy: URL,
  host: string,
  port: string,
  idleTimeoutMs: number | undefined,
): Promise<Socket> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: `${host}:${port}` };
    if (proxy.username)
      headers['Proxy-Authorization'] = proxyAuthorization(proxy);
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers,
      ...(idleTimeoutMs ? { timeout: idleTimeoutMs } : {}),
    });
    req.on('connect', (res: IncomingMessage, socket: Socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(
        new TransportError(
          `the proxy refused to connect to ${host}:${port} (HTTP ${res.statusCode})`,
          'EPROXY',
        ),
      );
    });
    req.on('timeout', () => req.destroy(timedOut('idle')));
    req.on('error', reject);
    req.end();
  });
}

/** Rejects when the deadline passes; `stop` removes the listener. */
function whenPast(deadline: AbortSignal | undefined) {
  let stop = () => {};
  const past = new Promise<never>((_, reject) => {
    if (!deadline) return;
    const abort = () => reject(timedOut('deadline'));
    deadline.addEventListener('abort', abort, { once: true });
    stop = () => deadline.removeEventListener('abort', abort);
  });
  past.catch(() => undefined);
  return { past, stop: () => stop() };
}

type RequestTarget = import('node:https').RequestOptions & {
  headers: OutgoingHttpHeaders;
};

/** The server's side of a request: where it is, the path, and the TLS settings for https. */
function endpoint(url: URL, options: TransportOptions) {
  const isHttps = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const tls = isHttps
    ? {
        ...(options.tlsVerify === false ? { rejectUnauthorized: false } : {}),
        ...(options.ca ? { ca: [...options.ca] } : {}),
        servername: serverName(host),
      }
    : {};
  return {
    host,
    port: url.port || (isHttps ? '443' : '80'),
    path: `${url.pathname}${url.search}`,
    tls,
  };
}

/** https through an http proxy: TLS to the server inside a CONNECT tunnel. */
async function throughTunnel(
  url: URL,
  headers: Record<string, string>,
  options: TransportOptions,
  proxy: URL,
): Promise<RequestTarget> {
  const { host, port, path, tls } = endpoint(url, options);
  const { past, stop } = whenPast(options.deadline);
  const raw = await Promise.race([
    tunnel(proxy, host, port, options.idleTimeoutMs),
    past,
  ]).finally(stop);
  const { connect } = await import('node:tls');
  const socket = connect({ socket: raw, ...tls, ALPNProtocols: ['http/1.1'] });
  return { host, port, path, headers, ...tls, createConnection: () => socket };
}

/** Plain http through an http proxy: the absolute URL as the request target. */
function throughProxy(
  url: URL,
  headers: Record<string, string>,
  proxy: URL,
): RequestTarget {
  const own: Record<string, string> = { ...headers, Host: url.host };
  if (proxy.username) own['Proxy-Authorization'] = proxyAuthorization(proxy);
  const port = proxy.port || 80;
  return { host: proxy.hostname, port, path: url.href, headers: own };
}

async function direct(
  url: URL,
  headers: Record<string, string>,
  options: TransportOptions,
): Promise<RequestTarget> {
  const { host, port, path, tls } = endpoint(url, options);
  const agent = await options.agents?.for(url.protocol);
  // user:password in the URL, as Node's request(url) sends it
  const auth = url.username
    ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
    : undefined;
  return {
    ...{ host, port, path, headers, ...tls },
    ...(agent ? { agent } : {}),
    ...(auth ? { auth } : {}),
  };
}

/** Where the request goes and how: direct, through an http proxy (absolute form), or through a tunnel. */
function route(
  url: URL,
  outgoing: Outgoing,
  options: TransportOptions,
  proxy: URL | null,
): Promise<RequestTarget> | RequestTarget {
  const headers = { ...outgoing.headers };
  if (!proxy) return direct(url, headers, options);
  return url.protocol === 'https:'
    ? throughTunnel(url, headers, options, proxy)
    : throughProxy(url, headers, proxy);
}

/**
 * Sends one request and resolves with the answer's head; its body is the caller's to read (or close).
 * Follows no redirect. Fails with a TransportError (or a QciError for a bad proxy variable).
 */
export async function open(
  url: URL,
  outgoing: Outgoing,
  options: TransportOptions = {},
): Promise<Exchange> {
  const proxy = options.env
    ? (await import('./proxy-env.js')).proxyFor(url, options.env).proxy
    : null;
  const secrets = secretsOf(url, outgoing.headers ?? {}, proxy);
  // An origin that took HTTP/2 on a connection opened ahead: the request is a stream on it.
  const deciding = proxy ? undefined : options.agents?.sessionFor(url);
  let session: ClientHttp2Session | null | undefined;
  if (deciding) {
    const { past, stop } = whenPast(options.deadline);
    session = await Promise.race([deciding, past]).finally(stop);
  }
  if (options.deadline?.aborted) throw timedOut('deadline');
  if (session) {
    const { openStream } = await import('./http2.js');
    const stream = await openStream(
      session,
      url,
      outgoing.method ?? 'GET',
      outgoing.headers ?? {},
      outgoing.body,
      {
        idleTimeoutMs: options.idleTimeoutMs,
        deadline: options.deadline,
        failure: (error, timeout) =>
          timeout ? timedOut(timeout) : asFailure(error, secrets),
      },
    );
    return { url, ...stream };
  }
  let state: 'idle' | 'deadline' | undefined;
  let req: ClientRequest | undefined;
  let res: IncomingMessage | undefined;
  const failure = (error: unknown) =>
    state ? timedOut(state) : asFailure(error, secrets);
  const onDeadline = () => {
    state = 'deadline'; // named first even when the idle timeout fired with it
    res?.destroy(timedOut('deadline'));
    req?.destroy(timedOut('deadline'));
  };
  const stop = () => options.deadline?.removeEventListener('abort', onDeadline);
  options.deadline?.addEventListener('abort', onDeadline, { once: true });
  try {
    const target = await route(url, outgoing, options, proxy);
    const mod = await nodeHttp(url.protocol);
    res = await new Promise<IncomingMessage>((resolve, reject) => {
      req = mod.request({
        ...target,
        method: outgoing.method ?? 'GET',
        ...(options.idleTimeoutMs ? { timeout: options.idleTimeoutMs } : {}),
      });
      req.on('timeout', () => {
        state ??= 'idle';
        req?.destroy(timedOut('idle'));
      });
      req.on('error', reject);
      req.on('response', resolve);
      if (options.deadline?.aborted) onDeadline();
      req.end(outgoing.body);
    });
  } catch (error) {
    stop();
    throw failure(error);
  }
  const response = res;
  response.on('error', () => {}); // seen by whoever reads it; never an unhandled 'error'
  response.once('close', stop);
  return {
    url,
    status: response.statusCode ?? 0,
    headers: response.headers,
    response,
    failure,
    close() {
      stop();
      if (!response.destroyed) response.destroy();
      if (req && !req.destroyed) req.destroy();
    },
  };
}

/** Reads the whole body, within the cap. */
async function readBody(exchange: Exchange, cap: BodyCap): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of exchange.response as AsyncIterable<Buffer>) {
      if (size >= cap.maxBytes && cap.overflow === 'truncate') continue;
      size += chunk.length;
      if (size > cap.maxBytes && cap.overflow === 'fail')
        throw new TransportError(
          `answer larger than ${cap.maxBytes} bytes`,
          'ETOOBIG',
        );
      chunks.push(chunk);
    }
  } catch (error) {
    throw exchange.failure(error);
  } finally {
    exchange.close();
  }
  return Buffer.concat(chunks);
}

/** One request and its whole body: open() then readBody(). */
export async function fetchBuffered(
  url: URL,
  outgoing: Outgoing,
  options: TransportOptions & BodyCap,
): Promise<BufferedAnswer> {
  const exchange = await open(url, outgoing, options);
  const body = await readBody(exchange, options);
  return { url, status: exchange.status, headers: exchange.headers, body };
}

/**
 * A stand-in for quay-proxy.ci.openshift.org (ci-tools cmd/qci-appci) in front of the backend
 * registry, over plain HTTP on 127.0.0.1.
 *
 * - Every path but /v2/auth needs `Authorization: Bearer …`; without it: 401, a Bearer challenge and the bare
 *   text body that Go's http.Error writes ("Unauthorized\n", text/plain).
 * - /v2/auth takes HTTP Basic; the password must be a live app.ci token (TokenReview on the fake), the username
 *   is ignored; human users also need the QCI SubjectAccessReview. Success: {"token": <JWT>, "expires_in": 21600}.
 * - Bearer tokens stay tied to the app.ci token they were minted from: once it is expired or revoked, they stop
 *   working. (The real proxy only checks its own JWT; podman asks /v2/auth again in every new process anyway.)
 * - Pull only: methods other than GET/HEAD get 403 DENIED, as quay answers the proxy's pull-only robot.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { TokenReviewResult } from './appci.js';

/**
 * What a user without QCI access gets:
 * - 'auth-403': /v2/auth answers 403 (default);
 * - 'auth-401': /v2/auth answers 401 exactly like a bad token: what ci-tools' qci-appci really does (the SAR
 *   result is folded into "valid");
 * - 'registry-403': a bearer token is issued, then manifests/blobs answer 403 with an OCI DENIED error.
 */
export type DenyMode = 'auth-403' | 'auth-401' | 'registry-403';

export interface ProxyRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string without "?" ('' when none); /v2/auth carries scope and service here, never secrets. */
  query: string;
  status: number;
  /** Which credential the request carried. */
  auth: 'none' | 'basic' | 'bearer' | 'other';
  /** Username behind the credential when the proxy could resolve it. */
  user?: string;
  /** Date.now() when the request arrived (to order it against app.ci's answers). */
  receivedAt: number;
  /** Date.now() when its answer was handed to the connection (0 until then): the proxy's own time, with receivedAt. */
  answeredAt: number;
}

export interface QciProxyOptions {
  /** Backend registry base URL, http://127.0.0.1:PORT */
  backend: string;
  tokenReview(token: string): TokenReviewResult;
  /** The SubjectAccessReview for QCI pulls (human users only). */
  canPullQci(username: string): boolean;
  /** Bearer token lifetime; default 21600 (6 h). */
  tokenValiditySeconds?: number;
  denyMode?: DenyMode;
  /** Clock in ms; default Date.now. */
  now?: () => number;
  /**
   * How long an idle connection stays open (default 1000 ms). Node announces it as `Keep-Alive: timeout=N`,
   * and Node's client reuses a connection only when N is over 1 s: raise it to play the real proxy, a Go
   * server that announces nothing and keeps connections open.
   */
  keepAliveTimeoutMs?: number;
}

export interface QciProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT: the registry host in image references and in podman login. */
  host: string;
  port: number;
  readonly requests: readonly ProxyRequest[];
  clearRequests(): void;
  /** How users without access are answered (changeable mid-test). */
  setDenyMode(mode: DenyMode): void;
  /** Number of bearer tokens issued so far. */
  readonly issuedTokens: number;
  /** Called on every /v2/auth request before it is answered (tests change app.ci state mid-pull here). */
  onAuth: (() => void) | undefined;
  /** Delay before answering blob requests (0: none). */
  blobDelayMs: number;
  /**
   * The URL clients reach the proxy by, when something stands in front of it (testbed/latency.ts): the
   * token realm and service of its challenges name it. null: its own URL (the default).
   */
  setPublicUrl(url: string | null): void;
  stop(): Promise<void>;
}

interface BearerRecord {
  appCiToken: string;
  username: string;
  expiresAt: number;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'authorization',
]);

export async function startQciProxy(
  options: QciProxyOptions,
): Promise<QciProxy> {
  const now = options.now ?? Date.now;
  const validity = options.tokenValiditySeconds ?? 21_600;
  const backend = new URL(options.backend);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const secret = randomBytes(32);
  const bearers = new Map<string, BearerRecord>();
  const requests: ProxyRequest[] = [];
  let denyMode: DenyMode = options.denyMode ?? 'auth-403';
  let host = '';
  let url = '';
  let publicUrl: string | null = null;

  const challenge = (error?: string): string =>
    `Bearer realm="${publicUrl ?? url}/v2/auth",service="${publicUrl ? new URL(publicUrl).host : host}"${error ? `,error="${error}"` : ''}`;

  /** Go's http.Error: text/plain, nosniff, the text plus a newline. */
  function goError(
    res: ServerResponse,
    code: number,
    text: string,
    headers: OutgoingHttpHeaders = {},
  ): void {
    const body = `${text}\n`;
    res.writeHead(code, {
      ...headers,
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  /**
   * A registry (OCI distribution) error body as quay sends it. `detail: {}` matters: with a null detail and the
   * standard message, containers/image prints only the code ("denied") instead of "denied: <message>".
   */
  /** The registry's 403 for a request it refuses (the request's body drained first). */
  function denied(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    ociError(res, 403, 'DENIED', 'requested access to the resource is denied');
  }

  function ociError(
    res: ServerResponse,
    code: number,
    errorCode: string,
    message: string,
    headers: OutgoingHttpHeaders = {},
  ): void {
    const body = JSON.stringify({
      errors: [{ code: errorCode, message, detail: {} }],
    });
    res.writeHead(code, {
      ...headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Docker-Distribution-Api-Version': 'registry/2.0',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  function mintBearer(username: string, appCiToken: string): string {
    const iat = Math.floor(now() / 1000);
    const header = Buffer.from(
      JSON.stringify({ alg: 'HS256', typ: 'JWT' }),
    ).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        kid: username,
        nbf: iat,
        iat,
        exp: iat + validity,
        jti: randomUUID(),
      }),
    ).toString('base64url');
    const signature = createHmac('sha256', secret)
      .update(`${header}.${payload}`)
      .digest('base64url');
    const token = `${header}.${payload}.${signature}`;
    bearers.set(token, {
      appCiToken,
      username,
      expiresAt: (iat + validity) * 1000,
    });
    return token;
  }

  function parseBasic(
    value: string,
  ): { username: string; password: string } | undefined {
    const m = /^Basic\s+(\S+)$/i.exec(value);
    if (!m) return undefined;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return {
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
    };
  }

  function rewriteLocation(location: string): string {
    try {
      const target = new URL(location, backend);
      if (target.host === backend.host)
        return `${url}${target.pathname}${target.search}`;
    } catch {
      /* leave as is */
    }
    return location;
  }

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    entry: ProxyRequest,
  ): void {
    const headers: OutgoingHttpHeaders = {};
    for (const [key, value] of Object.entries(
      req.headers as IncomingHttpHeaders,
    )) {
      if (!HOP_BY_HOP.has(key) && value !== undefined) headers[key] = value;
    }
    headers.host = backend.host;
    const upstream = request(
      {
        host: backend.hostname,
        port: backend.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      },
      (upRes) => {
        const outHeaders: OutgoingHttpHeaders = {};
        for (const [key, value] of Object.entries(upRes.headers)) {
          if (value === undefined || HOP_BY_HOP.has(key)) continue; // node re-chunks as needed
          outHeaders[key] =
            key === 'location' && typeof value === 'string'
              ? rewriteLocation(value)
              : value;
        }
        entry.status = upRes.statusCode ?? 502;
        res.writeHead(entry.status, upRes.statusMessage, outHeaders);
        upRes.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      entry.status = 502;
      if (!res.headersSent) goError(res, 502, `Bad Gateway: ${err.message}`);
      else res.destroy(err);
    });
    req.pipe(upstream);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const [path = '/', query = ''] = (req.url ?? '/').split('?', 2) as [
      string?,
      string?,
    ];
    const authorization = req.headers.authorization ?? '';
    const entry: ProxyRequest = {
      method: req.method ?? 'GET',
      path,
      query,
      status: 0,
      receivedAt: Date.now(),
      answeredAt: 0,
      auth:
        authorization === ''
          ? 'none'
          : /^basic /i.test(authorization)
            ? 'basic'
            : /^bearer /i.test(authorization)
              ? 'bearer'
              : 'other',
    };
    requests.push(entry);
    res.on('finish', () => {
      if (entry.status === 0) entry.status = res.statusCode;
      entry.answeredAt = Date.now();
    });

    if (path === '/healthz') return goError(res, 200, 'OK');

    if (path === '/v2/auth') {
      req.resume();
      proxyHandle.onAuth?.();
      const basic = parseBasic(authorization);
      if (basic === undefined)
        return goError(res, 401, 'Unauthorized', {
          'Www-Authenticate': challenge(),
        });
      const review = options.tokenReview(basic.password);
      if (!review.valid || review.username === undefined) {
        return goError(res, 401, 'Unauthorized', {
          'Www-Authenticate': challenge(),
        });
      }
      entry.user = review.username;
      const human = !review.username.startsWith('system:serviceaccount:');
      if (
        human &&
        denyMode !== 'registry-403' &&
        !options.canPullQci(review.username)
      ) {
        if (denyMode === 'auth-401')
          return goError(res, 401, 'Unauthorized', {
            'Www-Authenticate': challenge(),
          });
        return goError(res, 403, 'Forbidden');
      }
      const body = `${JSON.stringify({ token: mintBearer(review.username, basic.password), expires_in: validity })}\n`;
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      return void res.end(body);
    }

    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (bearer === undefined) {
      req.resume();
      return goError(res, 401, 'Unauthorized', {
        'Www-Authenticate': challenge(),
      });
    }
    const record = bearers.get(bearer);
    const live =
      record !== undefined &&
      record.expiresAt > now() &&
      options.tokenReview(record.appCiToken).valid;
    if (!live) {
      req.resume();
      const expired = record !== undefined && record.expiresAt <= now();
      return ociError(
        res,
        401,
        'UNAUTHORIZED',
        expired
          ? 'token expired'
          : 'access to the requested resource is not authorized',
        { 'Www-Authenticate': challenge('invalid_token') },
      );
    }
    entry.user = record.username;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return denied(req, res);
    }
    const human = !record.username.startsWith('system:serviceaccount:');
    if (
      human &&
      denyMode === 'registry-403' &&
      path !== '/v2/' &&
      !options.canPullQci(record.username)
    ) {
      return denied(req, res);
    }
    // A slow registry on request: blob downloads wait (tests interrupt a pull in progress).
    if (proxyHandle.blobDelayMs > 0 && path.includes('/blobs/'))
      setTimeout(() => forward(req, res, entry), proxyHandle.blobDelayMs);
    else forward(req, res, entry);
  }

  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent)
        goError(res, 500, `Internal Server Error: ${(err as Error).message}`);
      else res.destroy();
    }
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('proxy: no address');
  host = `127.0.0.1:${address.port}`;
  url = `http://${host}`;

  const proxyHandle: QciProxy = {
    onAuth: undefined,
    blobDelayMs: 0,
    url,
    host,
    port: address.port,
    get requests() {
      return requests;
    },
    clearRequests: () => void requests.splice(0),
    setDenyMode: (mode) => void (denyMode = mode),
    setPublicUrl: (value) => void (publicUrl = value),
    get issuedTokens() {
      return bearers.size;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
  return proxyHandle;
}

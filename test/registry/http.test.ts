/**
 * The registry HTTP client against local servers: retries with backoff on 429/5xx, Retry-After, the
 * per-attempt timeout, redirects, and HTTPS_PROXY / HTTP_PROXY / NO_PROXY through a tiny CONNECT proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { QciError } from '../../src/core/errors.js';
import {
  httpGet,
  retryAfterMs,
  type HttpOptions,
} from '../../src/registry/http.js';
import { makeTestCa } from '../e2e/testbed/tls.js';
import { type Proxied, startForwardProxy } from '../helpers/forward-proxy.js';
import { tempDir } from '../helpers/temp.js';

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  count: number,
) => void;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function base(
  overrides: Partial<HttpOptions> = {},
): HttpOptions & { waits: number[] } {
  const waits: number[] = [];
  return {
    env: {},
    tlsVerify: true,
    timeoutMs: 2_000,
    retries: 3,
    backoffMs: 100,
    maxRetryAfterMs: 30_000,
    maxBodyBytes: 1024 * 1024,
    sleep: async (ms) => void waits.push(ms),
    waits,
    ...overrides,
  };
}

describe('httpGet: retries, Retry-After, timeout, redirects', () => {
  const routes = new Map<string, Handler>();
  const counts = new Map<string, number>();
  const seen: {
    path: string;
    authorization: string | undefined;
    host: string | undefined;
  }[] = [];
  let server: Server;
  let port: number;
  const url = (path: string, host = '127.0.0.1') =>
    `http://${host}:${port}${path}`;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      seen.push({
        path,
        authorization: req.headers.authorization,
        host: req.headers.host,
      });
      const handler = routes.get(path);
      if (handler) handler(req, res, n);
      else res.writeHead(404).end('nope');
    });
    port = await listen(server);
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('retries 503 with exponential backoff, then returns the 200', async () => {
    routes.set('/flaky', (_req, res, n) =>
      n < 3 ? res.writeHead(503).end('busy') : res.writeHead(200).end('ok'),
    );
    const options = base();
    const answer = await httpGet({ url: url('/flaky') }, options);
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe('ok');
    expect(answer.attempts).toBe(3);
    expect(options.waits).toHaveLength(2);
    // 100 ms, then 200 ms, each with at most 25% jitter.
    expect(options.waits[0]).toBeGreaterThanOrEqual(100);
    expect(options.waits[0]).toBeLessThanOrEqual(125);
    expect(options.waits[1]).toBeGreaterThanOrEqual(200);
    expect(options.waits[1]).toBeLessThanOrEqual(250);
  });

  it('honours Retry-After in seconds on a 429', async () => {
    routes.set('/rate', (_req, res, n) =>
      n === 1
        ? res.writeHead(429, { 'Retry-After': '2' }).end()
        : res.writeHead(200).end('ok'),
    );
    const options = base();
    expect((await httpGet({ url: url('/rate') }, options)).status).toBe(200);
    expect(options.waits).toEqual([2000]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    routes.set('/rate-date', (_req, res, n) =>
      n === 1
        ? res
            .writeHead(503, {
              'Retry-After': new Date(Date.now() + 5_000).toUTCString(),
            })
            .end()
        : res.writeHead(200).end('ok'),
    );
    const options = base();
    expect((await httpGet({ url: url('/rate-date') }, options)).status).toBe(
      200,
    );
    expect(options.waits[0]).toBeGreaterThan(3_000);
    expect(options.waits[0]).toBeLessThanOrEqual(5_000);
  });

  it('gives up at once when Retry-After asks for longer than qci waits, and returns the 429', async () => {
    routes.set('/rate-long', (_req, res) =>
      res.writeHead(429, { 'Retry-After': '3600' }).end(),
    );
    const options = base();
    const answer = await httpGet({ url: url('/rate-long') }, options);
    expect(answer.status).toBe(429);
    expect(answer.attempts).toBe(1);
    expect(options.waits).toEqual([]);
  });

  it('stops after the retries and returns the last 5xx; 4xx are not retried', async () => {
    routes.set('/down', (_req, res) => res.writeHead(502).end());
    const options = base({ retries: 2 });
    const answer = await httpGet({ url: url('/down') }, options);
    expect(answer.status).toBe(502);
    expect(answer.attempts).toBe(3);
    expect(counts.get('/down')).toBe(3);
    routes.set('/gone', (_req, res) => res.writeHead(404).end());
    const gone = await httpGet({ url: url('/gone') }, base());
    expect(gone.attempts).toBe(1);
  });

  it('retries a dropped connection', async () => {
    routes.set('/reset', (req, res, n) =>
      n === 1 ? req.socket.destroy() : res.writeHead(200).end('ok'),
    );
    expect((await httpGet({ url: url('/reset') }, base())).status).toBe(200);
  });

  it('times out a server that never answers: exit 6, "timed out", within the deadline per attempt', async () => {
    routes.set('/hang', () => {});
    const started = Date.now();
    let error: unknown;
    try {
      await httpGet(
        { url: url('/hang') },
        base({ timeoutMs: 300, retries: 1 }),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QciError);
    expect((error as QciError).exitCode).toBe(6);
    expect((error as QciError).message).toBe(
      `cannot reach 127.0.0.1:${port}: timed out`,
    );
    expect(counts.get('/hang')).toBe(2); // retried once
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('connection refused is exit 6 and not retried', async () => {
    const closed = createServer();
    const p = await listen(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    const options = base();
    await expect(
      httpGet({ url: `http://127.0.0.1:${p}/` }, options),
    ).rejects.toMatchObject({
      exitCode: 6,
      message: `cannot reach 127.0.0.1:${p}: connection refused`,
    });
    expect(options.waits).toEqual([]);
  });

  it('an answer past the cap is not "cannot reach": exit 1, the host and the cap, not retried', async () => {
    routes.set('/big', (_req, res) => res.writeHead(200).end('x'.repeat(5000)));
    const options = base({ maxBodyBytes: 1024 });
    const error = await httpGet({ url: url('/big') }, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      kind: 'answer-too-big',
      exitCode: 1,
      message: `127.0.0.1:${port} answered with more than 1 KiB: not an answer qci asked for`,
    });
    expect(options.waits).toEqual([]);
  });

  it('follows redirects, and drops Authorization when one leaves the host', async () => {
    routes.set('/blob', (_req, res) =>
      res.writeHead(307, { Location: url('/cdn', 'localhost') }).end(),
    );
    routes.set('/cdn', (_req, res) => res.writeHead(200).end('blob'));
    routes.set('/same', (_req, res) =>
      res.writeHead(302, { Location: '/cdn-same' }).end(),
    );
    routes.set('/cdn-same', (_req, res) => res.writeHead(200).end('same'));
    seen.length = 0;
    const a = await httpGet(
      { url: url('/blob'), headers: { Authorization: 'Bearer secret' } },
      base(),
    );
    expect(a.body.toString()).toBe('blob');
    expect(seen.find((s) => s.path === '/blob')?.authorization).toBe(
      'Bearer secret',
    );
    expect(seen.find((s) => s.path === '/cdn')?.authorization).toBeUndefined();
    const b = await httpGet(
      { url: url('/same'), headers: { Authorization: 'Bearer secret' } },
      base(),
    );
    expect(b.body.toString()).toBe('same');
    expect(seen.find((s) => s.path === '/cdn-same')?.authorization).toBe(
      'Bearer secret',
    );
  });

  it('Retry-After parsing', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(new Date(1_000_000).toUTCString(), 0)).toBe(1_000_000);
  });
});

describe('httpGet through a proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)', () => {
  let proxied: Proxied[] = [];
  let proxy: Server;
  let proxyPort: number;
  let httpsServer: ReturnType<typeof createHttpsServer>;
  let httpsPort: number;
  let plain: Server;
  let plainPort: number;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir('qci-proxy-test-');
    const ca = await makeTestCa(dir);
    httpsServer = createHttpsServer(
      { key: ca.keyPem, cert: ca.certPem },
      (req, res) =>
        res.writeHead(200).end(`tls ${req.url} host=${req.headers.host}`),
    );
    await new Promise<void>((resolve) =>
      httpsServer.listen(0, '127.0.0.1', resolve),
    );
    httpsPort = (httpsServer.address() as AddressInfo).port;
    plain = createServer((req, res) =>
      res.writeHead(200).end(`plain ${req.url} host=${req.headers.host}`),
    );
    plainPort = await listen(plain);

    ({ server: proxy, port: proxyPort, proxied } = await startForwardProxy());
  });
  afterAll(() => {
    for (const s of [proxy, plain, httpsServer]) {
      s.closeAllConnections();
      s.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('https goes through a CONNECT tunnel to HTTPS_PROXY, with Proxy-Authorization from the URL', async () => {
    proxied.length = 0;
    const answer = await httpGet(
      { url: `https://registry.test:${httpsPort}/v2/` },
      base({
        tlsVerify: false,
        env: { HTTPS_PROXY: `http://me:pa%40ss@127.0.0.1:${proxyPort}` },
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe(
      `tls /v2/ host=registry.test:${httpsPort}`,
    );
    expect(proxied).toEqual([
      {
        method: 'CONNECT',
        target: `registry.test:${httpsPort}`,
        auth: `Basic ${Buffer.from('me:pa@ss').toString('base64')}`,
      },
    ]);
  });

  it('http goes to HTTP_PROXY as an absolute-form request', async () => {
    proxied.length = 0;
    const answer = await httpGet(
      { url: `http://registry.test:${plainPort}/v2/x?y=1` },
      base({ env: { http_proxy: `127.0.0.1:${proxyPort}` } }),
    );
    expect(answer.body.toString()).toBe(
      `plain /v2/x?y=1 host=registry.test:${plainPort}`,
    );
    expect(proxied).toEqual([
      {
        method: 'GET',
        target: `http://registry.test:${plainPort}/v2/x?y=1`,
        auth: undefined,
      },
    ]);
  });

  it('NO_PROXY sends it direct (and registry.test does not resolve without the proxy): exit 6, the proxy saw nothing', async () => {
    proxied.length = 0;
    const env = {
      HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
      NO_PROXY: 'example.com,.test',
    };
    await expect(
      httpGet(
        { url: `https://registry.test:${httpsPort}/v2/` },
        base({ tlsVerify: false, env, retries: 0 }),
      ),
    ).rejects.toMatchObject({
      exitCode: 6,
      message: expect.stringContaining(
        `cannot reach registry.test:${httpsPort}: host not found`,
      ),
    });
    expect(proxied).toEqual([]);
  });

  it('a proxy that refuses the tunnel: exit 6, naming the proxy', async () => {
    await expect(
      httpGet(
        { url: `https://elsewhere.test:${httpsPort}/v2/` },
        base({
          tlsVerify: false,
          env: { HTTPS_PROXY: `http://127.0.0.1:${proxyPort}` },
          retries: 0,
        }),
      ),
    ).rejects.toMatchObject({
      exitCode: 6,
      message: `cannot reach elsewhere.test:${httpsPort} through the proxy 127.0.0.1:${proxyPort}: the proxy refused to connect to elsewhere.test:${httpsPort} (HTTP 403)`,
    });
  });

  it('TLS is verified through the tunnel unless --tls-verify=false (the test CA is not trusted)', async () => {
    await expect(
      httpGet(
        { url: `https://registry.test:${httpsPort}/v2/` },
        base({
          tlsVerify: true,
          env: { HTTPS_PROXY: `http://127.0.0.1:${proxyPort}` },
          retries: 0,
        }),
      ),
    ).rejects.toMatchObject({
      exitCode: 6,
      message: expect.stringContaining('TLS failure'),
    });
  });
});

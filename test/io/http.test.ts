/**
 * qci's one transport (src/io/http.ts) against real servers on 127.0.0.1: the deadline over the whole
 * exchange, the idle timeout, the body cap, the route (direct, an http proxy, a CONNECT tunnel) that the
 * proxy variables choose, the CA list, keep-alive agents, and failures that never carry a credential.
 */
import {
  afterAll,
  beforeAll,
  describe,
  expect,
  it,
  onTestFinished as onTeardown,
} from 'vitest';
import {
  Agent,
  createServer,
  type ClientRequestArgs,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
} from 'node:http2';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  fetchBuffered,
  failureKind,
  keepAliveAgents,
  open,
  TransportError,
  type KeepAliveAgents,
} from '../../src/io/http.js';
import { makeTestCa, type TestCa } from '../e2e/testbed/tls.js';
import { type Proxied, startForwardProxy } from '../helpers/forward-proxy.js';
import { tempDir } from '../helpers/temp.js';

const TOKEN = 'sha256~transport-test-token-0123456789abcdef';
const PASSWORD = 'proxy-password-never-shown';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function stop(...servers: Server[]) {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
}

const routes = new Map<
  string,
  (req: IncomingMessage, res: ServerResponse) => void
>();
let origin: string;
let server: Server;

/** An error's every text: what a message or a log line could show. */
const texts = (error: unknown) =>
  JSON.stringify([String(error), (error as Error).message]);

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const handler = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (handler) handler(req, res);
    else res.writeHead(404).end('no such route');
  });
  origin = `http://127.0.0.1:${await listen(server)}`;
  routes.set('/small', (req, res) =>
    res.writeHead(200).end(`hello ${req.headers['user-agent'] ?? ''}`),
  );
  routes.set('/silent', () => {}); // never answers
  routes.set('/drip', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write('.'), 50);
    res.on('close', () => clearInterval(timer));
  });
  routes.set('/chunks', (_req, res) => {
    res.writeHead(200);
    let n = 0;
    const next = () => {
      if (n++ === 4) return res.end();
      res.write(Buffer.alloc(1000, 'a'));
      setTimeout(next, 30);
    };
    next();
  });
});
afterAll(() => stop(server));

describe('deadline and idle timeout', () => {
  it('the deadline ends a body that drips forever: ETIMEDOUT, named the deadline', async () => {
    const started = Date.now();
    const error = await failure(
      fetchBuffered(
        new URL(`${origin}/drip`),
        {},
        {
          deadline: AbortSignal.timeout(300),
          maxBytes: 1_000_000,
          overflow: 'fail',
        },
      ),
    );
    expect(error).toMatchObject({ code: 'ETIMEDOUT', timeout: 'deadline' });
    expect(failureKind(error)).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('the deadline ends a server that never answers', async () => {
    const error = await failure(
      open(
        new URL(`${origin}/silent`),
        {},
        {
          deadline: AbortSignal.timeout(200),
        },
      ),
    );
    expect(error).toMatchObject({ code: 'ETIMEDOUT', timeout: 'deadline' });
  });

  it('a deadline already past fails before any request', async () => {
    const deadline = AbortSignal.abort();
    const error = await failure(
      open(new URL(`${origin}/small`), {}, { deadline }),
    );
    expect(error.timeout).toBe('deadline');
  });

  it('the idle timeout ends a silent server; a dripping one is not idle', async () => {
    const idle = await failure(
      open(new URL(`${origin}/silent`), {}, { idleTimeoutMs: 200 }),
    );
    expect(idle).toMatchObject({ code: 'ETIMEDOUT', timeout: 'idle' });
    const exchange = await open(
      new URL(`${origin}/drip`),
      {},
      {
        idleTimeoutMs: 200,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(exchange.response.destroyed).toBe(false);
    exchange.close();
  });
});

describe('body cap', () => {
  it("'fail': ETOOBIG past the cap, with the cap in the message", async () => {
    const error = await failure(
      fetchBuffered(
        new URL(`${origin}/chunks`),
        {},
        {
          maxBytes: 1500,
          overflow: 'fail',
        },
      ),
    );
    expect(error.code).toBe('ETOOBIG');
    expect(error.message).toBe('answer larger than 1500 bytes');
  });

  it("'truncate': keeps the chunks up to the cap and ends normally", async () => {
    const answer = await fetchBuffered(
      new URL(`${origin}/chunks`),
      {},
      {
        maxBytes: 1500,
        overflow: 'truncate',
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBeGreaterThanOrEqual(1500);
    expect(answer.body.length).toBeLessThan(4000);
  });

  it('a body within the cap is read whole, with the headers sent', async () => {
    const answer = await fetchBuffered(
      new URL(`${origin}/small`),
      { headers: { 'User-Agent': 'qci-test' } },
      { maxBytes: 100, overflow: 'fail' },
    );
    expect(answer.body.toString()).toBe('hello qci-test');
  });
});

describe('keep-alive agents', () => {
  it('a second request reuses the connection; destroy() closes it', async () => {
    const agents: KeepAliveAgents = keepAliveAgents(2);
    const sockets = new Set<unknown>();
    routes.set('/socket', (req, res) => {
      sockets.add(req.socket);
      res.writeHead(200).end('ok');
    });
    for (let i = 0; i < 2; i++)
      await fetchBuffered(
        new URL(`${origin}/socket`),
        {},
        {
          agents,
          maxBytes: 100,
          overflow: 'fail',
        },
      );
    expect(sockets.size).toBe(1);
    agents.destroy();
  });
});

describe('route and TLS (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, a CA list)', () => {
  let proxied: Proxied[] = [];
  let proxy: Server;
  let proxyUrl: string;
  let tls: ReturnType<typeof createHttpsServer>;
  let tlsPort: number;
  let ca: TestCa;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir('qci-transport-test-');
    ca = await makeTestCa(dir);
    tls = createHttpsServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) =>
      res.writeHead(200).end(`tls ${req.url}`),
    );
    tlsPort = await listen(tls as unknown as Server);
    let port: number;
    ({ server: proxy, port, proxied } = await startForwardProxy());
    proxyUrl = `http://qci:${PASSWORD}@127.0.0.1:${port}`;
  });
  afterAll(() => {
    stop(proxy, tls as unknown as Server);
  });

  const cap = { maxBytes: 10_000, overflow: 'fail' } as const;

  it('http goes to HTTP_PROXY in absolute form, with Proxy-Authorization from its URL', async () => {
    proxied.length = 0;
    const port = new URL(origin).port;
    const answer = await fetchBuffered(
      new URL(`http://registry.test:${port}/small`),
      {},
      { env: { HTTP_PROXY: proxyUrl }, ...cap },
    );
    expect(answer.body.toString()).toMatch(/^hello/);
    expect(proxied).toEqual([
      {
        method: 'GET',
        target: `http://registry.test:${port}/small`,
        auth: `Basic ${Buffer.from(`qci:${PASSWORD}`).toString('base64')}`,
      },
    ]);
  });

  it('https goes through a CONNECT tunnel to HTTPS_PROXY; the certificate is checked inside it', async () => {
    proxied.length = 0;
    const url = new URL(`https://registry.test:${tlsPort}/v2/`);
    const env = { HTTPS_PROXY: proxyUrl };
    const answer = await fetchBuffered(
      url,
      {},
      { env, tlsVerify: false, ...cap },
    );
    expect(answer.body.toString()).toBe('tls /v2/');
    expect(proxied.map((p) => `${p.method} ${p.target}`)).toEqual([
      `CONNECT registry.test:${tlsPort}`,
    ]);
    // The test certificate is for 127.0.0.1 from an untrusted CA: verified, it fails.
    const error = await failure(fetchBuffered(url, {}, { env, ...cap }));
    expect(failureKind(error)).toBe('certificate');
  });

  it('NO_PROXY, loopback and no variable at all go direct', async () => {
    proxied.length = 0;
    const port = new URL(origin).port;
    const env = { HTTP_PROXY: proxyUrl, NO_PROXY: 'registry.test' };
    const error = await failure(
      fetchBuffered(
        new URL(`http://registry.test:${port}/small`),
        {},
        { env, ...cap },
      ),
    );
    expect(failureKind(error)).toBe('dns');
    await fetchBuffered(
      new URL(`${origin}/small`),
      {},
      {
        env: { HTTP_PROXY: proxyUrl },
        ...cap,
      },
    );
    expect(proxied).toEqual([]);
  });

  it('a proxy that refuses the tunnel: EPROXY, naming the target and not the password', async () => {
    const error = await failure(
      fetchBuffered(
        new URL('https://elsewhere.test/v2/'),
        {},
        {
          env: { HTTPS_PROXY: proxyUrl },
          ...cap,
        },
      ),
    );
    expect(error.code).toBe('EPROXY');
    expect(error.message).toBe(
      'the proxy refused to connect to elsewhere.test:443 (HTTP 403)',
    );
    expect(texts(error)).not.toContain(PASSWORD);
  });

  it('the CA list: trusted with the test CA, not without it', async () => {
    const url = new URL(`https://127.0.0.1:${tlsPort}/ca`);
    const answer = await fetchBuffered(url, {}, { ca: [ca.caPem], ...cap });
    expect(answer.body.toString()).toBe('tls /ca');
    const error = await failure(fetchBuffered(url, {}, cap));
    expect(failureKind(error)).toBe('certificate');
  });

  it('preconnect opens the connections before any request, and the requests then use them', async () => {
    const connections: unknown[] = [];
    const count = (socket: unknown) => connections.push(socket);
    tls.on('secureConnection', count);
    const agents = keepAliveAgents(5);
    try {
      const url = new URL(`https://127.0.0.1:${tlsPort}/pre`);
      const options = { ca: [ca.caPem] };
      await agents.preconnect(url, 3, options);
      await expect.poll(() => connections.length).toBe(3);
      const answers = await Promise.all(
        [1, 2, 3].map(() =>
          fetchBuffered(url, {}, { ...options, agents, ...cap }),
        ),
      );
      expect(answers.map((a) => a.body.toString())).toEqual([
        'tls /pre',
        'tls /pre',
        'tls /pre',
      ]);
      expect(connections).toHaveLength(3);
    } finally {
      agents.destroy();
      tls.off('secureConnection', count);
    }
  });

  it('preconnect opens nothing where a proxy would carry the requests', async () => {
    proxied.length = 0;
    const connections: unknown[] = [];
    const count = (socket: unknown) => connections.push(socket);
    tls.on('secureConnection', count);
    const agents = keepAliveAgents(5);
    try {
      const url = new URL(`https://registry.test:${tlsPort}/pre`);
      await agents.preconnect(url, 3, {
        env: { HTTPS_PROXY: proxyUrl },
        tlsVerify: false,
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(connections).toHaveLength(0);
      expect(proxied).toEqual([]);
    } finally {
      agents.destroy();
      tls.off('secureConnection', count);
    }
  });
});

describe('HTTP/2 on connections opened ahead (preconnect with h2)', () => {
  let h2: Http2SecureServer;
  let h2Port: number;
  let ca: TestCa;
  const slow: Http2ServerRequest[] = [];
  const sessions: unknown[] = [];
  const cap = { maxBytes: 10_000, overflow: 'fail' } as const;

  beforeAll(async () => {
    ca = await makeTestCa(tempDir('qci-h2-test-'));
    h2 = createSecureServer(
      { key: ca.keyPem, cert: ca.certPem, allowHTTP1: true },
      (req, res) => {
        sessions.push(req.stream?.session ?? req.socket);
        if (req.url === '/never') {
          slow.push(req);
          return;
        }
        if (req.url === '/closed') return void req.stream?.close(0); // NO_ERROR, no answer
        if (req.url === '/reset') return void req.stream?.close(2); // INTERNAL_ERROR
        res.writeHead(200, { 'x-version': req.httpVersion });
        res.end(req.method === 'HEAD' ? '' : `h2 ${req.url}`);
      },
    );
    h2Port = await listen(h2 as unknown as Server);
  });
  afterAll(() => {
    for (const r of slow) r.stream?.close();
    h2.close();
  });

  it('a server that takes h2: every request is a stream on one connection, the others close', async () => {
    sessions.length = 0;
    let opened = 0;
    const open = new Set<unknown>();
    const count = (socket: { once(e: 'close', f: () => void): void }) => {
      opened++;
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    };
    h2.on('connection', count);
    onTeardown(() => void h2.off('connection', count));
    const agents = keepAliveAgents(5);
    try {
      const url = new URL(`https://127.0.0.1:${h2Port}/`);
      const options = { ca: [ca.caPem] };
      await agents.preconnect(url, 3, { ...options, h2: true });
      const answers = await Promise.all(
        ['/a', '/b', '/c', '/d', '/e'].map((path, i) =>
          fetchBuffered(
            new URL(path, url),
            { method: i === 0 ? 'HEAD' : 'GET' },
            { ...options, agents, ...cap },
          ),
        ),
      );
      expect(answers.map((a) => [a.status, a.body.toString()])).toEqual([
        [200, ''],
        [200, 'h2 /b'],
        [200, 'h2 /c'],
        [200, 'h2 /d'],
        [200, 'h2 /e'],
      ]);
      expect(answers[1]!.headers['x-version']).toBe('2.0');
      expect(new Set(sessions).size).toBe(1);
      expect(agents.protocolOf(url)).toBe('h2');
      // The three connections were opened; the two that did not decide are closed.
      expect(opened).toBe(3);
      await expect.poll(() => open.size).toBe(1);
    } finally {
      agents.destroy();
    }
  });

  it('a server without h2: the connections carry HTTP/1.1 as before', async () => {
    const connections: unknown[] = [];
    const count = (socket: unknown) => connections.push(socket);
    const h1 = createHttpsServer(
      { key: ca.keyPem, cert: ca.certPem },
      (req, res) => res.writeHead(200).end(`h1 ${req.url}`),
    );
    const port = await listen(h1 as unknown as Server);
    h1.on('secureConnection', count);
    const agents = keepAliveAgents(5);
    try {
      const url = new URL(`https://127.0.0.1:${port}/`);
      const options = { ca: [ca.caPem] };
      await agents.preconnect(url, 3, { ...options, h2: true });
      const answers = await Promise.all(
        ['/a', '/b', '/c'].map((path) =>
          fetchBuffered(new URL(path, url), {}, { ...options, agents, ...cap }),
        ),
      );
      expect(answers.map((a) => a.body.toString())).toEqual([
        'h1 /a',
        'h1 /b',
        'h1 /c',
      ]);
      expect(connections).toHaveLength(3);
      expect(agents.protocolOf(url)).toBe('http/1.1');
    } finally {
      agents.destroy();
      stop(h1 as unknown as Server);
    }
  });

  it('a stream the server ends without an answer fails at once (a reset), and one it resets too', async () => {
    const agents = keepAliveAgents(2);
    try {
      const base = new URL(`https://127.0.0.1:${h2Port}/`);
      const options = { ca: [ca.caPem] };
      await agents.preconnect(base, 1, { ...options, h2: true });
      for (const path of ['/closed', '/reset']) {
        const started = Date.now();
        const error = await failure(
          fetchBuffered(
            new URL(path, base),
            { headers: { Authorization: `Bearer ${TOKEN}` } },
            { ...options, agents, deadline: AbortSignal.timeout(5000), ...cap },
          ),
        );
        expect(Date.now() - started).toBeLessThan(2000);
        expect(['reset', 'other']).toContain(failureKind(error));
        expect(texts(error)).not.toContain(TOKEN);
      }
    } finally {
      agents.destroy();
    }
  });

  it('a server that never finishes the handshake: the request fails at its deadline, not never', async () => {
    // Takes the connection and says nothing (a port that is not TLS, a middlebox that drops it).
    const mute = createNetServer(() => undefined);
    const port = await listen(mute as unknown as Server);
    const agents = keepAliveAgents(2);
    try {
      const url = new URL(`https://127.0.0.1:${port}/v2/`);
      await agents.preconnect(url, 2, { ca: [ca.caPem], h2: true });
      const started = Date.now();
      const error = await failure(
        fetchBuffered(
          url,
          {},
          {
            ca: [ca.caPem],
            agents,
            deadline: AbortSignal.timeout(600),
            ...cap,
          },
        ),
      );
      expect(failureKind(error)).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      agents.destroy();
      mute.close();
    }
  });

  it('a stream past its deadline fails as a timeout, naming no credential', async () => {
    const agents = keepAliveAgents(2);
    try {
      const url = new URL(`https://127.0.0.1:${h2Port}/never`);
      const options = { ca: [ca.caPem] };
      await agents.preconnect(url, 1, { ...options, h2: true });
      const error = await failure(
        fetchBuffered(
          url,
          { headers: { Authorization: `Bearer ${TOKEN}` } },
          { ...options, agents, deadline: AbortSignal.timeout(300), ...cap },
        ),
      );
      expect(failureKind(error)).toBe('timeout');
      expect(texts(error)).not.toContain(TOKEN);
      expect(agents.protocolOf(url)).toBe('h2');
    } finally {
      agents.destroy();
    }
  });
});

describe('redaction', () => {
  it('a failure whose text carries the Authorization value comes out masked', async () => {
    // An agent that fails the way a library might: quoting what it was given.
    class Quoting extends Agent {
      override createConnection(
        _options: ClientRequestArgs,
        callback?: (error: Error | null, stream: Duplex) => void,
      ): Duplex | null | undefined {
        callback?.(
          Object.assign(new Error(`refused Authorization: Bearer ${TOKEN}`), {
            code: 'ECONNRESET',
          }),
          undefined as unknown as Duplex,
        );
        return undefined;
      }
    }
    const quoting = new Quoting();
    const agents: KeepAliveAgents = {
      for: async () => quoting,
      preconnect: async () => undefined,
      sessionFor: () => undefined,
      protocolOf: () => undefined,
      destroy: () => quoting.destroy(),
    };
    const error = await failure(
      open(
        new URL(`${origin}/small`),
        { headers: { Authorization: `Bearer ${TOKEN}` } },
        { agents },
      ),
    );
    expect(error.code).toBe('ECONNRESET');
    expect(failureKind(error)).toBe('reset');
    expect(error.message).toMatch(/^refused Authorization: Bearer sha256~/);
    expect(texts(error)).not.toContain(TOKEN);
    agents.destroy();
  });

  it('connection refused names no header, URL password or token', async () => {
    const closed = createServer();
    const port = await listen(closed);
    stop(closed);
    const error = await failure(
      open(
        new URL(`http://qci:${PASSWORD}@127.0.0.1:${port}/`),
        { headers: { Authorization: `Bearer ${TOKEN}` } },
        {},
      ),
    );
    expect(failureKind(error)).toBe('refused');
    expect(texts(error)).not.toContain(TOKEN);
    expect(texts(error)).not.toContain(PASSWORD);
  });
});

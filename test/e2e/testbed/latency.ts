/**
 * A registry far away, for benchmarks: a TCP front that plays a wire `rttMs` long in front of a local
 * server (each byte waits half a round trip each way; a new connection waits one round trip first, the
 * TCP handshake), optionally ending TLS behind the wire (so a TLS handshake pays its round trips too,
 * as it does over a real network), and optionally speaking HTTP/2 there to a client that offers it.
 * Counts the connections it is asked for.
 *
 *   const far = await startFarFront({ target: bed.proxy.port, rttMs: 100, tls: { dir } });
 *   // clients use far.host; far.caFile is the CA to trust; far.connections counts new connections
 */
import { mkdir, readFile } from 'node:fs/promises';
import {
  Agent,
  type IncomingHttpHeaders,
  request as httpRequest,
} from 'node:http';
import {
  createServer as createHttp2Server,
  type ServerHttp2Stream,
} from 'node:http2';
import { connect, createServer, type Server, type Socket } from 'node:net';
import {
  createServer as createTlsServer,
  type Server as TlsServer,
} from 'node:tls';
import { makeTestCa } from './tls.js';

export interface FarFront {
  /** 127.0.0.1:PORT */
  host: string;
  port: number;
  /** The CA that signed the front's certificate (with `tls`); null over plain TCP. */
  caFile: string | null;
  caPem: string | null;
  /** Connections clients opened to the front since the last reset. */
  readonly connections: number;
  resetConnections(): void;
  stop(): Promise<void>;
}

const listen = (server: Server | TlsServer) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string')
        reject(new Error('no address'));
      else resolve(address.port);
    });
  });

/** Data from `from` reaches `to` half a round trip later, in order. */
function delayed(from: Socket, to: Socket, oneWayMs: number) {
  from.on('data', (chunk) =>
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, oneWayMs),
  );
  from.on('end', () => setTimeout(() => to.end(), oneWayMs));
  from.on('error', () => to.destroy());
  from.on('close', () => setTimeout(() => to.destroy(), oneWayMs));
}

/**
 * A stream of an HTTP/2 connection, passed on to `target` as an HTTP/1.1 request (keep-alive), and its
 * answer back: the front a Go server or a router that speaks HTTP/2 puts before an HTTP/1.1 backend.
 */
function forwardStream(
  agent: Agent,
  target: number,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
) {
  const plain: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (!name.startsWith(':') && value !== undefined) plain[name] = value;
  plain.host = String(headers[':authority'] ?? '');
  const up = httpRequest(
    {
      host: '127.0.0.1',
      port: target,
      agent,
      method: String(headers[':method']),
      path: String(headers[':path']),
      headers: plain,
    },
    (res) => {
      const back: Record<string, string | string[] | number> = {
        ':status': res.statusCode ?? 502,
      };
      for (const [name, value] of Object.entries(res.headers))
        if (
          value !== undefined &&
          !['connection', 'keep-alive', 'transfer-encoding'].includes(name)
        )
          back[name] = value;
      if (stream.destroyed) return res.resume();
      stream.respond(back);
      res.pipe(stream);
    },
  );
  up.on('error', () => stream.destroy());
  stream.on('error', () => up.destroy());
  stream.pipe(up);
}

/** TLS ended in front of `target`: what the wire leads to (with `h2`, HTTP/2 offered by ALPN too). */
async function tlsEnd(target: number, dir: string, h2: boolean) {
  await mkdir(dir, { recursive: true });
  const ca = await makeTestCa(dir, 'qci-far-front');
  const agent = new Agent({ keepAlive: true });
  const streams = createHttp2Server();
  streams.on('stream', (stream, headers) =>
    forwardStream(agent, target, stream, headers),
  );
  const server = createTlsServer(
    {
      key: ca.keyPem,
      cert: ca.certPem,
      ...(h2 ? { ALPNProtocols: ['h2', 'http/1.1'] } : {}),
    },
    (secure) => {
      if (secure.alpnProtocol === 'h2') {
        streams.emit('connection', secure);
        return;
      }
      const up = connect({ port: target, host: '127.0.0.1', noDelay: true });
      secure.setNoDelay(true);
      secure.pipe(up).pipe(secure);
      up.on('error', () => secure.destroy());
      secure.on('error', () => up.destroy());
    },
  );
  server.once('close', () => {
    agent.destroy();
    streams.close();
  });
  const port = await listen(server);
  return {
    server,
    port,
    caFile: ca.caFile,
    caPem: await readFile(ca.caFile, 'utf8'),
  };
}

export async function startFarFront(options: {
  /** The local port behind the wire. */
  target: number;
  rttMs: number;
  /**
   * End TLS behind the wire, with a certificate for 127.0.0.1 made in `dir`; with `h2`, a client that
   * offers HTTP/2 gets it (its streams go on to `target` as HTTP/1.1 requests).
   */
  tls?: { dir: string; h2?: boolean };
}): Promise<FarFront> {
  const end = options.tls
    ? await tlsEnd(options.target, options.tls.dir, options.tls.h2 === true)
    : null;
  const behind = end?.port ?? options.target;
  const oneWay = options.rttMs / 2;
  let connections = 0;
  const sockets = new Set<Socket>();
  // No Nagle on the wire's ends: the delay is the wire's alone.
  const front = createServer(
    { pauseOnConnect: true, noDelay: true },
    (client) => {
      connections++;
      sockets.add(client);
      client.once('close', () => sockets.delete(client));
      // The TCP handshake: one round trip before the client's first byte can leave.
      setTimeout(() => {
        const server = connect({
          port: behind,
          host: '127.0.0.1',
          noDelay: true,
        });
        sockets.add(server);
        server.once('close', () => sockets.delete(server));
        delayed(client, server, oneWay);
        delayed(server, client, oneWay);
        client.resume();
      }, options.rttMs);
    },
  );
  const port = await listen(front);
  return {
    host: `127.0.0.1:${port}`,
    port,
    caFile: end?.caFile ?? null,
    caPem: end?.caPem ?? null,
    get connections() {
      return connections;
    },
    resetConnections: () => void (connections = 0),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        [front, end?.server].map(
          (s) => s && new Promise<void>((resolve) => s.close(() => resolve())),
        ),
      );
    },
  };
}

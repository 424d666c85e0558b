/**
 * A real HTTP server on 127.0.0.1 that stands in for GCS and Prow in qci job-image tests: routes by path,
 * counts the bytes it hands to each response, and can stream large generated logs with backpressure so a
 * client that stops reading also stops the server.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  server: LogServer,
) => void | Promise<void>;

export class LogServer {
  /** Bytes written to response bodies, over all requests. */
  served = 0;
  /** Every request path (with query), in order. */
  requests: string[] = [];
  readonly routes = new Map<string, Handler>();
  private server: Server;
  private open = new Set<ServerResponse>();
  base = '';

  constructor() {
    this.server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      this.open.add(res);
      res.on('close', () => this.open.delete(res));
      const handler =
        this.routes.get(req.url ?? '') ??
        this.routes.get((req.url ?? '').split('?')[0]!);
      if (!handler) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      void Promise.resolve(handler(req, res, this)).catch(() => res.destroy());
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) =>
      this.server.listen(0, '127.0.0.1', resolve),
    );
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  route(path: string, handler: Handler): this {
    this.routes.set(path, handler);
    return this;
  }

  /** A plain 200 with `body` (one write, Content-Length set). */
  text(
    path: string,
    body: string | Buffer,
    status = 200,
    headers: Record<string, string> = {},
  ): this {
    return this.route(path, (_req, res) => {
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
      res.writeHead(status, {
        'content-type': 'text/plain',
        'content-length': String(bytes.length),
        ...headers,
      });
      this.served += bytes.length;
      res.end(bytes);
    });
  }

  status(
    path: string,
    status: number,
    headers: Record<string, string> = {},
  ): this {
    return this.route(path, (_req, res) => {
      res.writeHead(status, headers).end(`status ${status}`);
    });
  }

  /** Writes `chunk` respecting backpressure; false once the client has gone. */
  async write(res: ServerResponse, chunk: Buffer | string): Promise<boolean> {
    if (res.destroyed || res.writableEnded) return false;
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    this.served += bytes.length;
    if (!res.write(bytes)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
    return !res.destroyed;
  }
}

export const sleep = (ms: number) =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Whole noise lines that look like a ci-operator log, about `bytes` long, as one reusable block. */
export function noiseBlock(bytes: number): Buffer {
  const line =
    'INFO[2024-05-01T12:00:00Z] Running step e2e-aws-ovn-ipi-install-install: pod pending, waiting\n';
  return Buffer.from(line.repeat(Math.max(1, Math.floor(bytes / line.length))));
}

/**
 * A tiny forward proxy on 127.0.0.1 for the HTTP tests: CONNECT tunnels for https, absolute-form requests
 * for http. "registry.test" is a name only the proxy knows (it maps to 127.0.0.1), so a request that
 * reaches a server under that name went through the proxy; a tunnel to any other name is refused (403).
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
} from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface Proxied {
  method: string;
  target: string;
  auth: string | undefined;
}

export interface ForwardProxy {
  server: Server;
  port: number;
  /** What the proxy was asked, in order. */
  proxied: Proxied[];
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const proxied: Proxied[] = [];
  const server = createServer((req, res) => {
    // http: the request target is the absolute URL.
    proxied.push({
      method: req.method ?? '',
      target: req.url ?? '',
      auth: req.headers['proxy-authorization'],
    });
    const target = new URL(req.url ?? '');
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    proxied.push({
      method: 'CONNECT',
      target: req.url ?? '',
      auth: req.headers['proxy-authorization'],
    });
    const [host, port] = (req.url ?? '').split(':');
    if (host !== 'registry.test') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, proxied };
}

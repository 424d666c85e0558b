/** pingRegistry against servers that misbehave. */
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { pingRegistry } from '../../src/registry/ping.js';

describe('pingRegistry', () => {
  it('ends even when /v2/ streams a body forever', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(401, {
        'Www-Authenticate':
          'Bearer realm="http://127.0.0.1/v2/auth",service="x"',
      });
      const timer = setInterval(() => res.write('x'.repeat(1024)), 5);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const started = Date.now();
    try {
      const outcome = await pingRegistry(`127.0.0.1:${port}`, {
        env: {},
        tlsVerify: false,
        timeoutMs: 1500,
      }).then(
        (ping) => ping.status,
        (error: Error) => error.message,
      );
      // Any answer is fine (the 401, or a clear error about the endless body); hanging is not.
      expect(String(outcome)).toMatch(
        /^(401|cannot reach 127\.0\.0\.1:\d+: .+|127\.0\.0\.1:\d+ answered with more than .+)$/,
      );
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

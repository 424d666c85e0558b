/** Regressions for problems a review found: each would leak a secret, run foreign code, or mislead. */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyEngineFailure } from '../../src/engine/classify.js';
import { maskToken } from '../../src/core/redact.js';
import { isolatedEnv, qci } from '../helpers/cli.js';
import { createServer } from 'node:http';
import { pingRegistry } from '../../src/registry/ping.js';

describe('hardening', () => {
  it("commander's own error messages do not echo a token passed as an unknown option", async () => {
    const token = `sha256~${'A'.repeat(43)}`;
    const r = await qci(['login', `--token=${token}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option');
    expect(r.stderr).not.toContain(token);
  });

  it.each([
    [
      'Error: writing blob: storing blob to file "/var/tmp/x": open /var/tmp/x: permission denied',
      'unknown',
    ],
    [
      'reading manifest x in y: denied: requested access to the resource is denied',
      'denied',
    ],
    [
      'Requesting bearer token: invalid status code from registry 403 (Forbidden)',
      'denied',
    ],
  ])('classifies %j as %s', (text, cause) => {
    expect(classifyEngineFailure(text)).toBe(cause);
  });

  it.each([
    [`sha256~${'b'.repeat(43)}`, 'sha256~bbbb…'],
    ['hunter2', '…'],
    ['a-much-longer-password-123', 'a-mu…'],
  ])('masks %s as %s', (secret, masked) => {
    expect(maskToken(secret)).toBe(masked);
  });

  it("qci rewrite never runs a scanned repository's core.fsmonitor", async () => {
    const repo = mkdtempSync(join(tmpdir(), 'qci-fsmonitor-'));
    const marker = join(repo, '..', `${repo.split('/').pop()}-pwned`);
    execFileSync('git', ['init', '-q', repo]);
    execFileSync('git', [
      '-C',
      repo,
      'config',
      'core.fsmonitor',
      `touch ${marker}`,
    ]);
    writeFileSync(
      join(repo, 'Dockerfile'),
      'FROM registry.svc.ci.openshift.org/ocp/4.7:base\n',
    );
    const r = await qci(['rewrite', '--check', repo], { env: isolatedEnv() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_base',
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('the registry ping ends even when /v2/ streams a body forever', async () => {
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
        /^(401|cannot reach 127\.0\.0\.1:\d+: .+)$/,
      );
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

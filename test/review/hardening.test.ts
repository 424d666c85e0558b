/** Regressions for problems a review found: each would leak a secret, run foreign code, or mislead. */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyEngineFailure } from '../../src/engine/classify.js';
import { maskToken } from '../../src/core/redact.js';
import { isolatedEnv, qci } from '../helpers/cli.js';

describe('hardening', () => {
  it("commander's own error messages do not echo a token passed as an unknown option", async () => {
    const token = `sha256~${'A'.repeat(43)}`;
    const r = await qci(['login', `--token=${token}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option');
    expect(r.stderr).not.toContain(token);
  });

  it.each([
    ['Error: writing blob: storing blob to file "/var/tmp/x": open /var/tmp/x: permission denied', 'unknown'],
    ['reading manifest x in y: denied: requested access to the resource is denied', 'denied'],
    ['Requesting bearer token: invalid status code from registry 403 (Forbidden)', 'denied'],
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
    execFileSync('git', ['-C', repo, 'config', 'core.fsmonitor', `touch ${marker}`]);
    writeFileSync(join(repo, 'Dockerfile'), 'FROM registry.svc.ci.openshift.org/ocp/4.7:base\n');
    const r = await qci(['rewrite', '--check', repo], { env: isolatedEnv() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_base');
    expect(existsSync(marker)).toBe(false);
  });
});

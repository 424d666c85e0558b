/**
 * `qci job-image --timeout N` is the whole operation's deadline. A server that sends
 * one byte a second (never silent long enough for an inactivity timeout) used to keep qci running
 * forever; the real bin/qci must give up after about N seconds, naming the server and the flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { LogServer } from '../helpers/log-server.js';

const QCI = fileURLToPath(new URL('../../bin/qci', import.meta.url));
const PATH =
  'pr-logs/pull/openshift_origin/1/pull-ci-openshift-origin-master-e2e/1';

let server: LogServer;
beforeAll(async () => {
  server = await new LogServer().start();
});
afterAll(async () => server.stop());

function run(args: string[], env: Record<string, string | undefined>) {
  const started = Date.now();
  const child = spawn(process.execPath, [QCI, ...args], {
    env: env as NodeJS.ProcessEnv,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    ms: number;
  }>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

/** Sends a byte every `everyMs`, forever (until the client goes away). */
function drip(everyMs: number) {
  return (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write('.'), everyMs);
    res.on('close', () => clearInterval(timer));
  };
}

/** `qci job-image --timeout 2` on the Prow URL of job `path`, served by the log server. */
const jobImageWithin2s = (path: string) =>
  run(
    [
      'job-image',
      '--timeout',
      '2',
      `https://prow.ci.openshift.org/view/gs/test-platform-results-public/${path}`,
    ],
    isolatedEnv({
      QCI_GCS_BASE_URL: `${server.base}/gcs`,
      QCI_PROW_BASE_URL: `${server.base}/prow`,
    }),
  );

describe('job-image --timeout is a deadline for the whole lookup', () => {
  it.each([
    [
      'a log that drips one byte every 300 ms',
      `/gcs/test-platform-results-public/${PATH}/build-log.txt`,
    ],
  ])(
    '%s: gives up after --timeout 2, exit 6, naming the server',
    async (_label, path) => {
      server.route(path, drip(300));
      const r = await jobImageWithin2s(PATH);
      expect(r.code).toBe(6);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        /gave up after 2 s \(--timeout\): 127\.0\.0\.1:\d+ had not finished sending/,
      );
      // The deadline, not the byte count or an inactivity timer, ended it: well before the 30 s guard.
      expect(r.ms).toBeGreaterThanOrEqual(1900);
      expect(r.ms).toBeLessThan(10_000);
    },
  );

  it('finished.json dripping after a good log is bounded by the same deadline', async () => {
    const path = `${PATH}9`;
    const line =
      'INFO[2024-05-01T12:00:00Z] Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-abc\n';
    server.text(
      `/gcs/test-platform-results-public/${path}/build-log.txt`,
      line,
    );
    server.route(
      `/gcs/test-platform-results-public/${path}/finished.json`,
      drip(300),
    );
    const r = await jobImageWithin2s(path);
    // The image is still found; freshness says why it could not be checked.
    expect(r.stdout).toContain(
      'registry.build02.ci.openshift.org/ci-op-abc/pipeline:src',
    );
    expect(r.stderr).toContain('gave up after 2 s');
    expect(r.ms).toBeLessThan(10_000);
  });
});

describe('job-image --timeout bounds a local log that never ends', () => {
  it.each([
    ['standard input left open (a stalled `curl URL |`)', () => ['-']],
    [
      'a FIFO nobody writes',
      () => {
        const fifo = join(tempDir('qci-fifo-'), 'build-log.txt');
        execFileSync('mkfifo', [fifo]);
        return [fifo];
      },
    ],
  ])(
    '%s: gives up after --timeout, exit 6, saying where',
    async (_, source) => {
      const args = source();
      const r = await run(
        ['job-image', '--timeout', '2', ...args],
        isolatedEnv(),
      );
      expect(r.code, r.stderr).toBe(6);
      expect(r.stderr).toMatch(
        /gave up after 2 s \(--timeout\): .+ had not ended, nor shown a "Using namespace" line/,
      );
      expect(r.ms).toBeGreaterThanOrEqual(1900);
      expect(r.ms).toBeLessThan(10_000);
    },
  );
});

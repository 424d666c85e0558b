/**
 * qci job-image end to end in-process: real HTTP from a server on 127.0.0.1 standing in for GCS and Prow
 * (QCI_GCS_BASE_URL, QCI_PROW_BASE_URL), real files, real stdin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { isolatedEnv, qci } from '../helpers/cli.js';
import { LogServer, noiseBlock, sleep } from '../helpers/log-server.js';
import { runQci } from '../../src/cli/program.js';
import { tempDir } from '../helpers/temp.js';

const SEED_LINE =
  '2020/11/20 14:12:28 Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-2c2tvgti';
const LOGRUS_LINE =
  'INFO[2024-05-01T12:00:00Z] Using namespace https://console-openshift-console.apps.build05.ci.devcluster.openshift.com/k8s/cluster/projects/ci-op-abc';
const SEED_SPEC =
  'registry.build02.ci.openshift.org/ci-op-2c2tvgti/pipeline:src';
const LOGRUS_SPEC = 'registry.build05.ci.openshift.org/ci-op-abc/pipeline:src';
const PRIVATE = 'test-platform-results';
const PUBLIC = 'test-platform-results-public';

const log = (line: string) =>
  `INFO[2024-05-01T11:59:58Z] ci-operator version v20240501\nINFO[2024-05-01T11:59:59Z] Loading configuration\n${line}\nINFO[2024-05-01T12:00:01Z] Running step src\n`;
const finished = (agoSeconds: number) =>
  JSON.stringify({
    timestamp: Math.floor(Date.now() / 1000) - agoSeconds,
    passed: true,
    result: 'SUCCESS',
  });

let server: LogServer;
let env: Record<string, string | undefined>;
let jobCounter = 0;

/** A fresh job path per test, so routes never collide. */
function newJob(kind: 'pr' | 'periodic' = 'pr'): {
  path: string;
  name: string;
  id: string;
} {
  const id = String(1790000000000000000n + BigInt(++jobCounter));
  const name =
    kind === 'pr'
      ? 'pull-ci-openshift-origin-master-e2e-aws'
      : 'periodic-ci-openshift-release-master-nightly-4.16-e2e';
  const path =
    kind === 'pr'
      ? `pr-logs/pull/openshift_origin/29000/${name}/${id}`
      : `logs/${name}/${id}`;
  return { path, name, id };
}
const prow = (bucket: string, path: string) =>
  `https://prow.ci.openshift.org/view/gs/${bucket}/${path}`;
const gcs = (bucket: string, path: string, file = 'build-log.txt') =>
  `/gcs/${bucket}/${path}/${file}`;

beforeAll(async () => {
  server = await new LogServer().start();
  env = isolatedEnv({
    QCI_GCS_BASE_URL: `${server.base}/gcs`,
    QCI_PROW_BASE_URL: `${server.base}/prow`,
  });
});
afterAll(async () => {
  await server.stop();
});

describe('qci job-image URL: finds the line over HTTP', () => {
  it('a Prow job URL: stdout is the pull spec only; the report (farm, namespace, registry, freshness) is on stderr', async () => {
    const job = newJob();
    server
      .text(gcs(PRIVATE, job.path), log(LOGRUS_LINE))
      .text(gcs(PRIVATE, job.path, 'finished.json'), finished(600));
    const r = await qci(['job-image', prow(PRIVATE, job.path)], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${LOGRUS_SPEC}\n`);
    expect(r.stderr).toMatch(/namespace\s+ci-op-abc/);
    expect(r.stderr).toMatch(
      /build farm\s+build05 .*console-openshift-console\.apps\.build05\.ci\.devcluster\.openshift\.com/,
    );
    expect(r.stderr).toMatch(
      /registry\s+registry\.build05\.ci\.openshift\.org/,
    );
    expect(r.stderr).toMatch(/the job finished at \S+ \(10m ago\)/);
    expect(r.stderr).toContain("only the pull request's author may pull");
    expect(r.stderr).not.toContain('warning');
  });

  it('a chunked response with the line split across chunks, ANSI colours and CRLF', async () => {
    const job = newJob('periodic');
    server.route(gcs(PUBLIC, job.path), async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }); // no Content-Length: chunked
      for (const part of [
        'INFO[2024-05-01T11:59:59Z] Loading configuration\r\n\u001b[36mINFO\u001b[0m[2024-05-01T12:00:00Z] Using nam',
        'espace https://console.build02.ci.openshift.org/k8s/clus',
        'ter/projects/ci-op-2c2tvgti\r\n',
        'INFO[2024-05-01T12:00:01Z] more\r\n',
      ]) {
        await server.write(res, part);
        await sleep(40);
      }
      res.end();
    });
    const r = await qci(
      [
        '--json',
        'job-image',
        `https://storage.googleapis.com/${PUBLIC}/${job.path}/build-log.txt`,
      ],
      { env },
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      namespace: 'ci-op-2c2tvgti',
      cluster: 'build02',
      pullSpec: SEED_SPEC,
      loggedAt: '2024-05-01T12:00:00Z',
    });
    expect(out.line).toBe(
      'INFO[2024-05-01T12:00:00Z] Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-2c2tvgti',
    );
  });

  it('the seed log style over HTTP; a running job (no finished.json) is fine', async () => {
    const job = newJob();
    server.text(gcs(PUBLIC, job.path), `${SEED_LINE}\n`);
    const r = await qci(['job-image', prow(PUBLIC, job.path)], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${SEED_SPEC}\n`);
    expect(r.stderr).toContain('still running');
    expect(r.stderr).not.toContain('warning');
    expect(server.requests).toContain(gcs(PUBLIC, job.path, 'finished.json'));
  });

  it("ci-operator.log from the job's artifacts URL (JSON lines), with finished.json from the job directory", async () => {
    const job = newJob();
    // The JSON lines as openshift/ci-docs content/en/internals/_index.md quotes them.
    const jsonLog = [
      '{"level":"info","msg":"ci-operator version v20220708-ca6de370c","time":"2022-07-11T17:03:22Z"}',
      '{"level":"trace","msg":"Using binary as hash: /usr/bin/ci-operator 1657322166 69194954","time":"2022-07-11T17:03:23Z"}',
      '{"level":"info","msg":"Using namespace https://console-openshift-console.apps.build04.34d2.p2.openshiftapps.com/k8s/cluster/projects/ci-op-022dqmlr","time":"2022-07-11T17:03:23Z"}',
      '',
    ].join('\n');
    server
      .text(gcs(PUBLIC, job.path, 'artifacts/ci-operator.log'), jsonLog)
      .text(gcs(PUBLIC, job.path, 'finished.json'), finished(600));
    const url = `https://gcsweb-ci.apps.ci.l2s4.p1.openshiftapps.com/gcs/${PUBLIC}/${job.path}/artifacts/ci-operator.log`;
    const r = await qci(['job-image', url], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'registry.build04.ci.openshift.org/ci-op-022dqmlr/pipeline:src\n',
    );
    expect(r.stderr).toMatch(/logged 2022-07-11T17:03:23Z/);
    expect(r.stderr).toMatch(/build farm\s+build04/);
    expect(r.stderr).toMatch(/finished at/);
    expect(server.requests).not.toContain(gcs(PUBLIC, job.path));
  });

  it('a job that finished over an hour ago: a warning with the finish time, still exit 0', async () => {
    const job = newJob();
    const finishedAt = new Date(
      (Math.floor(Date.now() / 1000) - 3 * 3600) * 1000,
    )
      .toISOString()
      .replace('.000Z', 'Z');
    server
      .text(gcs(PUBLIC, job.path), log(SEED_LINE))
      .text(gcs(PUBLIC, job.path, 'finished.json'), finished(3 * 3600));
    const r = await qci(['job-image', prow(PUBLIC, job.path)], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${SEED_SPEC}\n`);
    expect(r.stderr).toContain(
      `warning: the job finished at ${finishedAt} (3h ago)`,
    );
    expect(r.stderr).toContain('probably gone');
    const json = JSON.parse(
      (await qci(['--json', 'job-image', prow(PUBLIC, job.path)], { env }))
        .stdout,
    );
    expect(json.freshness).toMatchObject({
      state: 'expired',
      finishedAt,
      result: 'SUCCESS',
    });
  });

  it('403 on test-platform-results: reads test-platform-results-public and says so', async () => {
    const job = newJob();
    server
      .status(gcs(PRIVATE, job.path), 403)
      .status(gcs(PRIVATE, job.path, 'finished.json'), 403)
      .text(gcs(PUBLIC, job.path), log(SEED_LINE))
      .text(gcs(PUBLIC, job.path, 'finished.json'), finished(120));
    const r = await qci(['job-image', prow(PRIVATE, job.path)], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${SEED_SPEC}\n`);
    expect(r.stderr).toMatch(
      /log\s+http:\/\/127\.0\.0\.1:\d+\/gcs\/test-platform-results-public\/.*build-log\.txt\s+\(bucket test-platform-results-public; test-platform-results answered 403/,
    );
    expect(r.stderr).toContain('(2m ago)');
    const json = JSON.parse(
      (await qci(['--json', 'job-image', prow(PRIVATE, job.path)], { env }))
        .stdout,
    );
    expect(json.log).toMatchObject({
      bucket: PUBLIC,
      attempts: [{ label: PRIVATE, status: 403 }],
    });
  });

  it('401 and 404 on the private bucket fall back too', async () => {
    for (const status of [401, 404]) {
      const job = newJob();
      server
        .status(gcs(PRIVATE, job.path), status)
        .text(gcs(PUBLIC, job.path), log(SEED_LINE));
      const r = await qci(['--json', 'job-image', prow(PRIVATE, job.path)], {
        env,
      });
      expect(r.code, `status ${status}`).toBe(0);
      expect(JSON.parse(r.stdout).log.attempts).toEqual([
        {
          label: PRIVATE,
          url: `${server.base}${gcs(PRIVATE, job.path)}`,
          status,
        },
      ]);
    }
  });

  it('404 everywhere: exit 5, naming every place tried', async () => {
    const job = newJob();
    const r = await qci(['job-image', prow(PRIVATE, job.path)], { env });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `no log found for the log of ${job.name} #${job.id}: test-platform-results answered 404, test-platform-results-public answered 404, Prow live log answered 404`,
    );
  });

  it('403 then 404: exit 4, with how to read a private log', async () => {
    const job = newJob();
    server.status(gcs(PRIVATE, job.path), 403);
    const r = await qci(['job-image', prow(PRIVATE, job.path)], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(
      'test-platform-results answered 403, test-platform-results-public answered 404',
    );
    expect(r.stderr).toContain('qci job-image FILE');
  });

  it('a 500 is not a reason to try the public bucket', async () => {
    const job = newJob();
    server
      .status(gcs(PRIVATE, job.path), 500)
      .text(gcs(PUBLIC, job.path), log(SEED_LINE));
    const r = await qci(['job-image', prow(PRIVATE, job.path)], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('test-platform-results answered 500');
    expect(server.requests).not.toContain(gcs(PUBLIC, job.path));
  });

  it('a running job whose build-log.txt is not uploaded yet: read from Prow live log', async () => {
    const job = newJob();
    server.text(`/prow/log?job=${job.name}&id=${job.id}`, log(LOGRUS_LINE));
    const r = await qci(['job-image', prow(PUBLIC, job.path)], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${LOGRUS_SPEC}\n`);
    expect(r.stderr).toMatch(
      /log\s+http:\/\/127\.0\.0\.1:\d+\/prow\/log\?job=/,
    );
    expect(r.stderr).toContain('test-platform-results-public answered 404');
    expect(r.stderr).toContain('still running');
  });

  it('a Prow live-log URL directly', async () => {
    const job = newJob();
    server.text(`/prow/log?job=${job.name}&id=${job.id}`, log(SEED_LINE));
    const r = await qci(
      [
        '--json',
        'job-image',
        `https://prow.ci.openshift.org/log?job=${job.name}&id=${job.id}`,
      ],
      { env },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      pullSpec: SEED_SPEC,
      job: { name: job.name, buildId: job.id },
      freshness: { state: 'unknown' },
    });
  });

  it('follows a redirect (relative Location) and reports the URL that answered', async () => {
    const job = newJob();
    server
      .status(gcs(PUBLIC, job.path), 302, {
        location: `/moved/${job.id}/build-log.txt`,
      })
      .text(`/moved/${job.id}/build-log.txt`, log(SEED_LINE));
    const r = await qci(['--json', 'job-image', prow(PUBLIC, job.path)], {
      env,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).log.location).toBe(
      `${server.base}/moved/${job.id}/build-log.txt`,
    );
  });

  it('re-checks every redirect: ftp:, plain http to a real host, and unknown https hosts are refused', async () => {
    const cases: [string, string][] = [
      ['ftp://127.0.0.1/build-log.txt', 'ftp: URLs are not fetched'],
      [
        'http://storage.googleapis.com/x/build-log.txt',
        'plain http is only used for loopback',
      ],
      [
        'https://example.com/build-log.txt',
        'example.com is not a host qci reads job logs from',
      ],
    ];
    for (const [location, words] of cases) {
      const job = newJob();
      server.status(gcs(PUBLIC, job.path), 302, { location });
      const r = await qci(['job-image', prow(PUBLIC, job.path)], { env });
      expect(r.code, location).toBe(1);
      expect(r.stderr).toContain(
        `will not fetch ${new URL(location).href} (redirected from`,
      );
      expect(r.stderr).toContain(words);
    }
  });

  it("a redirect to something that is no URL is the server's error, said as such (not a crash)", async () => {
    const job = newJob();
    server.status(gcs(PUBLIC, job.path), 302, { location: 'http://[::1' });
    const r = await qci(['job-image', prow(PUBLIC, job.path)], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'redirected to something that is not a URL ("http://[::1")',
    );
    expect(r.stderr).not.toContain('unexpected error');
  });

  it('stops after QCI_JOB_LOG_MAX_REDIRECTS redirects', async () => {
    const job = newJob();
    server.status(gcs(PUBLIC, job.path), 302, {
      location: gcs(PUBLIC, job.path),
    });
    const before = server.requests.length;
    const r = await qci(['job-image', prow(PUBLIC, job.path)], {
      env: { ...env, QCI_JOB_LOG_MAX_REDIRECTS: '2' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('too many redirects');
    expect(server.requests.length - before).toBe(3);
  });

  it('a server that stalls mid-body hits the timeout (exit 6)', async () => {
    const job = newJob();
    server.route(gcs(PUBLIC, job.path), async (_req, res) => {
      res.writeHead(200);
      await server.write(
        res,
        'INFO[2024-05-01T11:59:59Z] Loading configuration\n',
      );
      // …and nothing more, ever.
    });
    const start = Date.now();
    const r = await qci(['job-image', prow(PUBLIC, job.path)], {
      env: { ...env, QCI_JOB_LOG_TIMEOUT: '0.3' },
    });
    expect(r.code).toBe(6);
    // --timeout is the whole lookup's deadline, which a silence reaches first.
    expect(r.stderr).toMatch(
      /gave up after 0\.3 s \(--timeout\): 127\.0\.0\.1:\d+ had not finished/,
    );
    expect(r.stderr).toContain('--timeout');
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it('a server that never sends headers hits the timeout too', async () => {
    const job = newJob();
    server.route(gcs(PUBLIC, job.path), () => {
      /* never answers */
    });
    const r = await qci(
      ['job-image', '--timeout', '0.2', prow(PUBLIC, job.path)],
      { env },
    );
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('gave up after 0.2 s');
  });

  it('gzip content encoding is decoded as it streams', async () => {
    const job = newJob();
    let acceptEncoding = '';
    server.route(gcs(PUBLIC, job.path), (req, res) => {
      acceptEncoding = String(req.headers['accept-encoding']);
      res
        .writeHead(200, { 'content-encoding': 'gzip' })
        .end(gzipSync(log(SEED_LINE)));
    });
    const r = await qci(['job-image', prow(PUBLIC, job.path)], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${SEED_SPEC}\n`);
    expect(acceptEncoding).toContain('gzip');
  });

  it('an empty body and a binary body are clear errors', async () => {
    const a = newJob();
    const b = newJob();
    server
      .text(gcs(PUBLIC, a.path), '')
      .text(
        gcs(PUBLIC, b.path),
        Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]),
      );
    const empty = await qci(['job-image', prow(PUBLIC, a.path)], { env });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('is empty');
    const binary = await qci(['job-image', prow(PUBLIC, b.path)], { env });
    expect(binary.code).toBe(1);
    expect(binary.stderr).toContain('is a binary file, not a job log');
  });

  // ci-operator.log's JSON line as openshift/ci-docs content/en/internals/_index.md quotes it.
  const JSON_LINE =
    '{"level":"info","msg":"Using namespace https://console-openshift-console.apps.build04.34d2.p2.openshiftapps.com/k8s/cluster/projects/ci-op-022dqmlr","time":"2022-07-11T17:03:23Z"}\n';
  const JSON_SPEC =
    'registry.build04.ci.openshift.org/ci-op-022dqmlr/pipeline:src\n';

  it('no build-log.txt anywhere: reads artifacts/ci-operator.log and says so', async () => {
    const job = newJob();
    server.text(gcs(PUBLIC, job.path, 'artifacts/ci-operator.log'), JSON_LINE);
    const r = await qci(['job-image', prow(PRIVATE, job.path)], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(JSON_SPEC);
    expect(r.stderr).toContain(
      'no build-log.txt (test-platform-results answered 404, test-platform-results-public answered 404, Prow live log answered 404); read artifacts/ci-operator.log instead',
    );
    expect(r.stderr).toContain(
      `${server.base}${gcs(PUBLIC, job.path, 'artifacts/ci-operator.log')}`,
    );
    const json = await qci(['job-image', '--json', prow(PRIVATE, job.path)], {
      env,
    });
    expect(JSON.parse(json.stdout).log.fallback).toMatch(
      /^no build-log.txt .*; read artifacts\/ci-operator.log instead$/,
    );
  });

  it('a build-log.txt without the line: reads artifacts/ci-operator.log and says so', async () => {
    const job = newJob();
    server
      .text(gcs(PUBLIC, job.path), 'INFO[x] Running tests\nINFO[x] done\n')
      .text(gcs(PUBLIC, job.path, 'artifacts/ci-operator.log'), JSON_LINE);
    const r = await qci(['job-image', prow(PUBLIC, job.path)], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(JSON_SPEC);
    expect(r.stderr).toContain(
      'build-log.txt has no "Using namespace" line; read artifacts/ci-operator.log instead',
    );
  });

  it('a build log with the line: ci-operator.log is never asked for', async () => {
    const job = newJob();
    server.text(gcs(PUBLIC, job.path), `${SEED_LINE}\n`);
    const r = await qci(['job-image', prow(PUBLIC, job.path)], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('ci-operator.log');
    expect(server.requests).not.toContain(
      gcs(PUBLIC, job.path, 'artifacts/ci-operator.log'),
    );
  });

  it('a log without the line: says what was searched', async () => {
    const job = newJob();
    server.text(gcs(PUBLIC, job.path), 'INFO[x] Running tests\nINFO[x] done\n');
    const r = await qci(['job-image', prow(PUBLIC, job.path)], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `no "Using namespace" line in ${server.base}${gcs(PUBLIC, job.path)}: searched all 35 bytes`,
    );
    expect(r.stderr).toContain('top-level build-log.txt');
    // ci-operator.log was tried, and is missing too: the build log's error stands.
    expect(server.requests).toContain(
      gcs(PUBLIC, job.path, 'artifacts/ci-operator.log'),
    );
  });
});

describe('qci job-image streams: stops downloading at the line', () => {
  let big: LogServer;
  beforeAll(async () => {
    big = await new LogServer().start();
  });
  afterAll(async () => {
    await big.stop();
  });

  const MiB = 1024 * 1024;
  /** Serves `before` bytes of noise, the line, then `after` bytes more (never all in memory). */
  function serveBig(
    path: string,
    before: number,
    line: string | null,
    after: number,
  ): { total: number } {
    const block = noiseBlock(MiB);
    big.route(path, async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let sent = 0; sent < before; sent += block.length)
        if (!(await big.write(res, block))) return;
      if (line && !(await big.write(res, `${line}\n`))) return;
      for (let more = 0; more < after; more += block.length)
        if (!(await big.write(res, block))) return;
      res.end();
    });
    return { total: before + after };
  }

  it('the line after 100 MB of noise: reads past 100 MB, then stops long before the 500 MB end', async () => {
    const { total } = serveBig(
      '/gcs/b/logs/big/1/build-log.txt',
      100 * MiB,
      LOGRUS_LINE,
      400 * MiB,
    );
    const r = await qci(
      ['job-image', `${big.base}/gcs/b/logs/big/1/build-log.txt`],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${LOGRUS_SPEC}\n`);
    // Everything up to the line was needed; what follows must barely have started.
    expect(big.served).toBeGreaterThan(100 * MiB);
    expect(big.served).toBeLessThan(100 * MiB + 16 * MiB);
    expect(big.served).toBeLessThan(total / 4);
  }, 60_000);

  it('no line: gives up at the size cap instead of reading everything', async () => {
    big.served = 0;
    serveBig('/gcs/b/logs/big/2/build-log.txt', 200 * MiB, null, 0);
    const r = await qci(
      ['job-image', `${big.base}/gcs/b/logs/big/2/build-log.txt`],
      { env: { ...env, QCI_JOB_LOG_MAX_BYTES: '2M' } },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /stopped reading .* after 2\.\d MiB without a "Using namespace" line/,
    );
    expect(big.served).toBeLessThan(20 * MiB);
  }, 60_000);
});

describe('qci job-image FILE and -', () => {
  const dir = tempDir('qci-joblog-');
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('a local file, in both log styles, with CRLF and colours', async () => {
    expect(
      (await qci(['job-image', file('seed.txt', log(SEED_LINE))], { env }))
        .stdout,
    ).toBe(`${SEED_SPEC}\n`);
    expect(
      (
        await qci(
          [
            'job-image',
            file('logrus.txt', log(LOGRUS_LINE).replace(/\n/g, '\r\n')),
          ],
          { env },
        )
      ).stdout,
    ).toBe(`${LOGRUS_SPEC}\n`);
    const colour = file(
      'colour.txt',
      `\u001b[36mINFO\u001b[0m[2024-05-01T12:00:00Z] Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-2c2tvgti\r\n`,
    );
    const r = await qci(['job-image', colour], { env });
    expect(r.stdout).toBe(`${SEED_SPEC}\n`);
    expect(r.stderr).toContain("unknown without the job's finished.json");
  });

  it('--tag picks another pipeline image; a bad tag is a usage error before anything is read', async () => {
    const path = file('tag.txt', log(SEED_LINE));
    expect(
      (await qci(['job-image', '--tag', 'bin', path], { env })).stdout,
    ).toBe('registry.build02.ci.openshift.org/ci-op-2c2tvgti/pipeline:bin\n');
    const bad = await qci(['job-image', '--tag', 'no/slashes', path], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid --tag "no/slashes"');
  });

  it('--json gives everything as one object on stdout', async () => {
    const r = await qci(
      ['--json', 'job-image', file('json.txt', log(SEED_LINE))],
      { env },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      namespace: 'ci-op-2c2tvgti',
      consoleHost: 'console.build02.ci.openshift.org',
      consoleUrl:
        'https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-2c2tvgti',
      cluster: 'build02',
      clusterFrom: 'console host',
      registry: 'registry.build02.ci.openshift.org',
      tag: 'src',
      pullSpec: SEED_SPEC,
      loggedAt: '2020/11/20 14:12:28',
      log: { kind: 'file', bucket: null, attempts: [] },
      freshness: { state: 'unknown' },
      warnings: [],
    });
  });

  it('ci-operator.log as a file; an OSD/ROSA console host names its build farm', async () => {
    const path = file(
      'ci-operator.log',
      '{"level":"debug","msg":"Resolved ocp/4.10:cli","time":"2022-07-11T17:03:22Z"}\n' +
        '{"level":"info","msg":"Using namespace https://console-openshift-console.apps.build03.ky4t.p1.openshiftapps.com/k8s/cluster/projects/ci-op-w4n1s3p5","time":"2023-03-21T15:08:05Z"}\n',
    );
    const r = await qci(['job-image', path], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'registry.build03.ci.openshift.org/ci-op-w4n1s3p5/pipeline:src\n',
    );
    expect(r.stderr).toMatch(
      /build farm\s+build03\s+\(from console-openshift-console\.apps\.build03\.ky4t/,
    );
  });

  it('a doc placeholder (ci-op-XXXXXXXX): the line is found, and what is wrong is said; exit 1', async () => {
    const path = file(
      'doc.md',
      'In the build log, look for a line like:\n\n' +
        '    INFO[2026-03-10T11:41:49Z] Using namespace https://console.build08.ci.openshift.org/k8s/cluster/projects/ci-op-XXXXXXXX\n',
    );
    const r = await qci(['job-image', path], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('found a "Using namespace" line');
    expect(r.stderr).toContain('"ci-op-XXXXXXXX" has upper-case letters');
    expect(r.stderr).toContain('placeholder');
    expect(r.stderr).not.toContain('no "Using namespace" line');
  });

  it('the old vSphere farm: found, but its registry is gone', async () => {
    const path = file(
      'vsphere.txt',
      log(
        'INFO[2021-12-10T14:28:50Z] Using namespace https://console-openshift-console.apps.build01-us-west-2.vmc.ci.openshift.org/k8s/cluster/projects/ci-op-9nmljnxm ',
      ),
    );
    const r = await qci(['job-image', path], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/build farm\s+vsphere/);
    expect(r.stderr).toContain('decommissioned');
  });

  it('a namespace line without a console host: cluster unknown, how to find it, exit 1 and nothing on stdout', async () => {
    const path = file(
      'bare.txt',
      log('INFO[2024-05-01T12:00:00Z] Using namespace ci-op-bare'),
    );
    const r = await qci(['job-image', path], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/namespace\s+ci-op-bare/);
    expect(r.stderr).toMatch(/build farm\s+unknown/);
    expect(r.stderr).toContain('error: cluster unknown');
    expect(r.stderr).toContain('spec.cluster');
    const json = await qci(['--json', 'job-image', path], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({
      namespace: 'ci-op-bare',
      cluster: null,
      pullSpec: null,
      error: { kind: 'cluster-unknown' },
    });
    const given = await qci(['job-image', '--cluster', 'build03', path], {
      env,
    });
    expect(given.code).toBe(0);
    expect(given.stdout).toBe(
      'registry.build03.ci.openshift.org/ci-op-bare/pipeline:src\n',
    );
  });

  it('vsphere02: says only vSphere administrators can pull', async () => {
    const path = file(
      'vsphere.txt',
      log(
        'Using namespace https://console-openshift-console.apps.build02.vmc.ci.openshift.org/k8s/cluster/projects/ci-op-vs',
      ),
    );
    const r = await qci(['job-image', path], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'registry.apps.build02.vmc.ci.openshift.org/ci-op-vs/pipeline:src\n',
    );
    expect(r.stderr).toContain(
      'warning: only vSphere administrators can pull from registry.apps.build02.vmc.ci.openshift.org',
    );
  });

  it('bad files: missing (5), a directory (2), binary, gzip, empty, blank (1)', async () => {
    const cases: [string, number, string][] = [
      [join(dir, 'nope.txt'), 5, 'no such file'],
      [dir, 2, 'is a directory'],
      [
        file(
          'bin.dat',
          Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2, 0x55]),
        ),
        1,
        'is a binary file, not a job log',
      ],
      [file('log.gz', gzipSync(log(SEED_LINE))), 1, 'is gzip-compressed'],
      [file('empty.txt', ''), 1, 'is empty'],
      [file('blank.txt', '\n\r\n  \n'), 1, 'is empty'],
    ];
    for (const [path, code, words] of cases) {
      const r = await qci(['job-image', path], { env });
      expect(r.code, path).toBe(code);
      expect(r.stderr, path).toContain(words);
      expect(r.stdout).toBe('');
    }
  });

  it('- reads standard input', async () => {
    const r = await qci(['job-image', '-'], { env, stdin: log(LOGRUS_LINE) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${LOGRUS_SPEC}\n`);
    expect(r.stderr).toMatch(/log\s+standard input/);
    const empty = await qci(['job-image', '-'], { env, stdin: '' });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('standard input is empty');
  });

  it('- with binary data on standard input', async () => {
    let stderr = '';
    const code = await runQci(['job-image', '-'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: Readable.from([Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0])]),
      env,
    });
    expect(code).toBe(1);
    expect(stderr).toContain('standard input is a binary file');
  });

  it('bad URLs are usage errors and fetch nothing', async () => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const before = server.requests.length;
    const cases: [string, string][] = [
      [
        'https://example.com/logs/job/1/build-log.txt',
        'unknown host example.com',
      ],
      [`file://${join(dir, 'seed.txt')}`, 'file: URLs are not read'],
      [
        'ftp://storage.googleapis.com/test-platform-results/logs/j/1/build-log.txt',
        'ftp: URLs are not supported',
      ],
      [
        'https://prow.ci.openshift.org/job-history/gs/test-platform-results/logs/j',
        'is not a Prow job URL',
      ],
    ];
    for (const [input, words] of cases) {
      const r = await qci(['job-image', input], { env });
      expect(r.code, input).toBe(2);
      expect(r.stderr).toContain(words);
      expect(r.stdout).toBe('');
    }
    expect(server.requests.length).toBe(before);
  });

  it('a URL without its scheme gets a hint', async () => {
    const r = await qci(
      [
        'job-image',
        'prow.ci.openshift.org/view/gs/test-platform-results/logs/j/1',
      ],
      { env },
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      'include the scheme: qci job-image https://prow.ci.openshift.org/',
    );
  });

  it('bad settings name their source', async () => {
    const r = await qci(['job-image', '-'], {
      env: { ...env, QCI_JOB_LOG_TIMEOUT: 'never' },
      stdin: log(SEED_LINE),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('environment QCI_JOB_LOG_TIMEOUT=never');
  });
});

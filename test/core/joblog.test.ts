import { settingsValidator } from '../../src/core/settings-schema.js';
import { describe, expect, it } from 'vitest';
import {
  buildJobImage,
  missingPullSpecError,
} from '../../src/core/joblog-image.js';
import { freshnessOf } from '../../src/core/joblog-freshness.js';
import {
  judgeNamespaceLine,
  parseNamespaceLine,
  type NamespaceLine,
} from '../../src/core/joblog-line.js';
import {
  MAX_LINE_BYTES,
  NamespaceScanner,
  noNamespaceLineError,
  plainIndexOf,
  type BytesIndexOf,
} from '../../src/core/joblog-scan.js';
import {
  fetchRefusal,
  parseJobPath,
  resolveLogSource,
  type LogSource,
} from '../../src/core/joblog-source.js';
import {
  CLUSTERS,
  clusterForConsoleHost,
  clusterNamed,
} from '../../src/core/clusters.js';
import { QciError } from '../../src/core/errors.js';
import {
  resolveSettings,
  DEFAULT_SETTINGS,
  parseSize,
} from '../../src/core/settings.js';

const SEED =
  '2020/11/20 14:12:28 Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-2c2tvgti';
const LOGRUS =
  'INFO[2024-05-01T12:00:00Z] Using namespace https://console-openshift-console.apps.build05.ci.devcluster.openshift.com/k8s/cluster/projects/ci-op-abc';
const GCS = 'https://storage.googleapis.com';
const PR_PATH =
  'pr-logs/pull/openshift_origin/29000/pull-ci-openshift-origin-master-e2e-aws/1790000000000000000';

describe('parseNamespaceLine: every log style ci-operator has used', () => {
  // line, namespace, console host, logged at
  const cases: [string, string, string | null, string | null][] = [
    [
      SEED,
      'ci-op-2c2tvgti',
      'console.build02.ci.openshift.org',
      '2020/11/20 14:12:28',
    ],
    [
      LOGRUS,
      'ci-op-abc',
      'console-openshift-console.apps.build05.ci.devcluster.openshift.com',
      '2024-05-01T12:00:00Z',
    ],
    [
      `\u001b[36mINFO\u001b[0m[2024-05-01T12:00:00Z] Using namespace https://console.build01.ci.openshift.org/k8s/cluster/projects/ci-op-x1`,
      'ci-op-x1',
      'console.build01.ci.openshift.org',
      '2024-05-01T12:00:00Z',
    ],
    [
      `${SEED}\r`,
      'ci-op-2c2tvgti',
      'console.build02.ci.openshift.org',
      '2020/11/20 14:12:28',
    ],
    [
      `\u001b[1mINFO[2024-05-01T12:00:00Z]\u001b[0m Using namespace \u001b[4mhttps://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-u\u001b[0m\r`,
      'ci-op-u',
      'console.build02.ci.openshift.org',
      '2024-05-01T12:00:00Z',
    ],
    [
      'time="2024-05-01T12:00:00Z" level=info msg="Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-kv"',
      'ci-op-kv',
      'console.build02.ci.openshift.org',
      '2024-05-01T12:00:00Z',
    ],
    [
      '2020/11/20 14:12:28 Using namespace ci-op-bare',
      'ci-op-bare',
      null,
      '2020/11/20 14:12:28',
    ],
    [
      'Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-slash/',
      'ci-op-slash',
      'console.build02.ci.openshift.org',
      null,
    ],
    [
      'progress 50%\rINFO[2024-05-01T12:00:00Z] Using namespace ci-op-cr',
      'ci-op-cr',
      null,
      '2024-05-01T12:00:00Z',
    ],
  ];
  it.each(cases)('%j', (line, namespace, consoleHost, at) => {
    expect(parseNamespaceLine(line)).toMatchObject({
      namespace,
      consoleHost,
      loggedAt: at,
    });
  });

  const rejected = [
    'using namespace std;',
    'Using namespace',
    'INFO[2024-05-01T12:00:00Z] Using namespace Not_A_Namespace',
    'Using namespace https://console.build02.ci.openshift.org/some/other/page',
    'Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/UPPER',
    'Using namespace-scoped credentials',
  ];
  it.each(rejected)('not a namespace line: %j', (line) => {
    expect(parseNamespaceLine(line)).toBeNull();
  });

  it('the cleaned line has no colour codes or carriage return', () => {
    expect(
      parseNamespaceLine(
        `\u001b[36mINFO\u001b[0m[x] Using namespace ci-op-a\r`,
      )!.line,
    ).toBe('INFO[x] Using namespace ci-op-a');
  });
});

describe('a namespace line quoted in Markdown or prose ends where a reader sees it end', () => {
  const ROSA =
    'https://console-openshift-console.apps.build03.ky4t.p1.openshiftapps.com/k8s/cluster/projects/ci-op-w4n1s3p5';
  // line, namespace, console host (null: none named)
  const cases: [string, string, string | null][] = [
    [
      `\`Using namespace ${ROSA}\``,
      'ci-op-w4n1s3p5',
      'console-openshift-console.apps.build03.ky4t.p1.openshiftapps.com',
    ],
    [
      `The job printed \`INFO[2023-03-21T15:08:05Z] Using namespace ${ROSA}\` first.`,
      'ci-op-w4n1s3p5',
      'console-openshift-console.apps.build03.ky4t.p1.openshiftapps.com',
    ],
    [
      `(see Using namespace ${ROSA}).`,
      'ci-op-w4n1s3p5',
      'console-openshift-console.apps.build03.ky4t.p1.openshiftapps.com',
    ],
    [
      `> Using namespace <${ROSA}>.`,
      'ci-op-w4n1s3p5',
      'console-openshift-console.apps.build03.ky4t.p1.openshiftapps.com',
    ],
    ['`Using namespace ci-op-abc`', 'ci-op-abc', null],
    ['(Using namespace ci-op-abc)', 'ci-op-abc', null],
    ['<Using namespace ci-op-abc>', 'ci-op-abc', null],
    ["'Using namespace ci-op-abc'.", 'ci-op-abc', null],
    ['It said Using namespace ci-op-abc.', 'ci-op-abc', null],
    ['It said Using namespace ci-op-abc: done', 'ci-op-abc', null],
    [`Using namespace ${'a'.repeat(63)}`, 'a'.repeat(63), null],
  ];
  it.each(cases)('%j', (line, namespace, consoleHost) => {
    expect(parseNamespaceLine(line)).toMatchObject({ namespace, consoleHost });
  });

  // The DNS-1123 label rule stays strict: line, what the rejection says.
  const rejected: [string, RegExp][] = [
    ['`Using namespace -ci-op-abc`', /"-ci-op-abc" is not a namespace name/],
    ['`Using namespace ci-op-abc-`', /"ci-op-abc-" is not a namespace name/],
    ['Using namespace ci-op-abc-.', /"ci-op-abc-" is not a namespace name/],
    ['Using namespace ci-op-abc...', /"ci-op-abc\.\." is not a namespace name/],
    [
      `\`Using namespace ${'a'.repeat(64)}\``,
      /is 64 characters; a namespace is at most 63/,
    ],
    ['Using namespace ci-op-a_b', /"ci-op-a_b" is not a namespace name/],
    ['`Using namespace ci-op-XXXXXXXX`', /upper-case.*placeholder/],
    ['Using namespace ci-op-<id>', /"ci-op-<id>" is not.*placeholder/],
    // A URL parser would fold the dots away and read the namespace "etc".
    [
      'Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-../../etc',
      /has "\." or "\.\." path segments; ci-operator writes none/,
    ],
    [
      'Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/./kube-system',
      /has "\." or "\.\." path segments/,
    ],
  ];
  it.each(rejected)('rejected: %j', (line, why) => {
    const verdict = judgeNamespaceLine(line);
    expect(
      verdict && 'rejected' in verdict ? verdict.rejected.problem : verdict,
    ).toMatch(why);
  });
});

describe('real "Using namespace" lines from public sources', () => {
  // source, line, namespace, cluster (null: unknown), logged at
  const BUILD04 =
    'https://console-openshift-console.apps.build04.34d2.p2.openshiftapps.com/k8s/cluster/projects/ci-op-022dqmlr';
  const cases: [string, string, string, string | null, string | null][] = [
    [
      // openshift/ci-docs content/en/internals/_index.md (build-log.txt, logrus)
      'ci-docs internals, build log',
      `INFO[2022-07-11T17:03:23Z] Using namespace ${BUILD04}`,
      'ci-op-022dqmlr',
      'build04',
      '2022-07-11T17:03:23Z',
    ],
    [
      // openshift/ci-docs content/en/internals/_index.md (ci-operator.log, JSON lines)
      'ci-docs internals, ci-operator.log',
      `{"level":"info","msg":"Using namespace ${BUILD04}","time":"2022-07-11T17:03:23Z"}`,
      'ci-op-022dqmlr',
      'build04',
      '2022-07-11T17:03:23Z',
    ],
    [
      // a public scenario guide quoting a build log (find_string "apps.build03.ky4t", file id 29157772128)
      'ROSA-style build03',
      'INFO[2023-03-21T15:08:05Z] Using namespace https://console-openshift-console.apps.build03.ky4t.p1.openshiftapps.com/k8s/cluster/projects/ci-op-w4n1s3p5',
      'ci-op-w4n1s3p5',
      'build03',
      '2023-03-21T15:08:05Z',
    ],
    [
      // a public how-to for launching clusters (find_string, file id 20346001110); note the trailing blank
      'devcluster build09, ci-ln namespace',
      'INFO[2024-10-30T17:17:46Z] Using namespace https://console-openshift-console.apps.build09.ci.devcluster.openshift.com/k8s/cluster/projects/ci-ln-mqp72vk ',
      'ci-ln-mqp72vk',
      'build09',
      '2024-10-30T17:17:46Z',
    ],
    [
      // a public vSphere job log excerpt (find_string, file id 24234756342): the old vSphere farm
      'old vSphere farm',
      'INFO[2021-12-10T14:28:50Z] Using namespace https://console-openshift-console.apps.build01-us-west-2.vmc.ci.openshift.org/k8s/cluster/projects/ci-op-9nmljnxm ',
      'ci-op-9nmljnxm',
      'vsphere',
      '2021-12-10T14:28:50Z',
    ],
    [
      // ci-tools cmd/ci-operator/main.go's console line: the seed example, old Go log style
      'seed, Go log',
      SEED,
      'ci-op-2c2tvgti',
      'build02',
      '2020/11/20 14:12:28',
    ],
  ];
  it.each(cases)('%s', (_source, line, namespace, cluster, at) => {
    const found = parseNamespaceLine(line);
    expect(found).toMatchObject({ namespace, loggedAt: at });
    const farm = found?.consoleHost
      ? clusterForConsoleHost(found.consoleHost)
      : null;
    expect(farm?.cluster ?? null).toBe(cluster);
  });

  // Placeholders in docs: the line is found, and what is wrong is said.
  const placeholders: [string, string, RegExp][] = [
    [
      // a public project guide quoting the line (find_string "projects/ci-op-XXXXXXXX", file id 53753848143)
      'Using namespace https://console.build08.ci.openshift.org/k8s/cluster/projects/ci-op-XXXXXXXX',
      'ci-op-XXXXXXXX',
      /upper-case.*placeholder/,
    ],
    [
      // the same guide in other projects (file id 52291716312)
      'INFO[2026-03-10T11:41:49Z] Using namespace https://console.xxxxx.ci.openshift.org/k8s/cluster/projects/ci-op-XXXXXXXX',
      'ci-op-XXXXXXXX',
      /upper-case/,
    ],
    [
      '{"level":"info","msg":"Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/<namespace>"}',
      '<namespace>',
      /not a namespace name.*placeholder/,
    ],
    [
      'Using namespace https://console.build02.ci.openshift.org/some/other/page',
      '',
      /no \/k8s\/cluster\/projects\/NAMESPACE path/,
    ],
  ];
  it.each(placeholders)('rejected with a reason: %s', (line, name, why) => {
    const verdict = judgeNamespaceLine(line);
    expect(verdict && 'rejected' in verdict).toBe(true);
    const { problem } = (verdict as { rejected: { problem: string } }).rejected;
    expect(problem).toMatch(why);
    if (name) expect(problem).toContain(name);
  });

  it('the scanner reports the rejected line when no valid one follows', () => {
    const scanner = new NamespaceScanner();
    scanner.push(enc(`noise\n${placeholders[0]![0]}\nmore\n`));
    expect(scanner.end()).toBeNull();
    const error = noNamespaceLineError('log.txt', 30, scanner.rejected);
    expect(error.kind).toBe('bad-namespace-line');
    expect(error.message).toContain('found a "Using namespace" line');
    expect(error.message).toContain('ci-op-XXXXXXXX');
  });

  it('a valid line after a placeholder wins', () => {
    const scanner = new NamespaceScanner();
    const line = scanner.push(enc(`${placeholders[0]![0]}\n${SEED}\n`));
    expect(line?.namespace).toBe('ci-op-2c2tvgti');
  });
});

describe('clusters: console host → cluster', () => {
  const cases: [string, string | null, string | null][] = [
    [
      'console.build02.ci.openshift.org',
      'build02',
      'registry.build02.ci.openshift.org',
    ],
    [
      'console.build01.ci.openshift.org',
      'build01',
      'registry.build01.ci.openshift.org',
    ],
    [
      'console-openshift-console.apps.build05.ci.devcluster.openshift.com',
      'build05',
      'registry.build05.ci.openshift.org',
    ],
    [
      'console-openshift-console.apps.build11.ci.devcluster.openshift.com',
      'build11',
      'registry.build11.ci.openshift.org',
    ],
    // Any build\d\d+ farm, listed or not, in either form.
    [
      'console-openshift-console.apps.build12.ci.devcluster.openshift.com',
      'build12',
      'registry.build12.ci.openshift.org',
    ],
    [
      'console.build100.ci.openshift.org',
      'build100',
      'registry.build100.ci.openshift.org',
    ],
    [
      'CONSOLE.BUILD02.CI.OPENSHIFT.ORG',
      'build02',
      'registry.build02.ci.openshift.org',
    ],
    [
      'console-openshift-console.apps.ci.l2s4.p1.openshiftapps.com',
      'app.ci',
      'registry.ci.openshift.org',
    ],
    [
      'console-openshift-console.apps.build02.vmc.ci.openshift.org',
      'vsphere02',
      'registry.apps.build02.vmc.ci.openshift.org',
    ],
    [
      'console-openshift-console.apps.arm-build01.arm-build.devcluster.openshift.com',
      'arm01',
      'registry.arm-build01.arm-build.devcluster.openshift.com',
    ],
    [
      'console-openshift-console.apps.multi-build01.arm-build.devcluster.openshift.com',
      'multi01',
      'registry.multi-build01.arm-build.devcluster.openshift.com',
    ],
    // OSD/ROSA shapes: the cluster is the label after apps. (openshift/ci-docs content/en/internals/_index.md)
    [
      'console-openshift-console.apps.build04.34d2.p2.openshiftapps.com',
      'build04',
      'registry.build04.ci.openshift.org',
    ],
    [
      'console-openshift-console.apps.build03.ky4t.p1.openshiftapps.com',
      'build03',
      'registry.build03.ci.openshift.org',
    ],
    [
      'console-openshift-console.apps.build01-us-west-2.vmc.ci.openshift.org',
      'vsphere',
      null,
    ],
    [
      'console-openshift-console.apps.notacluster.p1.openshiftapps.com',
      null,
      null,
    ],
    ['console.svc.ci.openshift.org', null, null],
    ['console.build2.ci.openshift.org', null, null],
    ['example.com', null, null],
  ];
  it.each(cases)('%s → %s', (host, cluster, registry) => {
    const found = clusterForConsoleHost(host);
    expect(found?.cluster ?? null).toBe(cluster);
    expect(found?.registry ?? null).toBe(registry);
  });

  it('clusterNamed knows the table and any buildNN, but QCI is no cluster', () => {
    expect(clusterNamed('build03')?.registry).toBe(
      'registry.build03.ci.openshift.org',
    );
    expect(clusterNamed('Build42')?.registry).toBe(
      'registry.build42.ci.openshift.org',
    );
    expect(clusterNamed('hosted-mgmt')?.registry).toBeNull();
    expect(clusterNamed('QCI')).toBeNull();
    expect(clusterNamed('build')).toBeNull();
  });

  it('the table keeps its order (QCI first)', () => {
    expect(CLUSTERS.map((c) => c.cluster).slice(0, 3)).toEqual([
      'QCI',
      'app.ci',
      'build01',
    ]);
  });
});

describe('resolveLogSource: every URL form maps to the raw build-log.txt', () => {
  const urls = (s: LogSource) =>
    s.kind === 'url' ? s.candidates.map((c) => c.logUrl) : [];
  // input, the URLs tried in order
  const cases: [string, string[]][] = [
    [
      `https://prow.ci.openshift.org/view/gs/test-platform-results/${PR_PATH}`,
      [
        `${GCS}/test-platform-results/${PR_PATH}/build-log.txt`,
        `${GCS}/test-platform-results-public/${PR_PATH}/build-log.txt`,
        'https://prow.ci.openshift.org/log?job=pull-ci-openshift-origin-master-e2e-aws&id=1790000000000000000',
      ],
    ],
    [
      'https://prow.ci.openshift.org/view/gcs/origin-ci-test/logs/periodic-ci-openshift-release-master-nightly-4.9-e2e/1423429500000000000',
      [
        `${GCS}/origin-ci-test/logs/periodic-ci-openshift-release-master-nightly-4.9-e2e/1423429500000000000/build-log.txt`,
        'https://prow.ci.openshift.org/log?job=periodic-ci-openshift-release-master-nightly-4.9-e2e&id=1423429500000000000',
      ],
    ],
    [
      `https://gcsweb-ci.apps.ci.l2s4.p1.openshiftapps.com/gcs/test-platform-results-public/${PR_PATH}/`,
      [
        `${GCS}/test-platform-results-public/${PR_PATH}/build-log.txt`,
        'https://prow.ci.openshift.org/log?job=pull-ci-openshift-origin-master-e2e-aws&id=1790000000000000000',
      ],
    ],
    [
      `https://gcsweb-ci.apps.ci.l2s4.p1.openshiftapps.com/gcs/test-platform-results-public/${PR_PATH}/artifacts/`,
      [
        `${GCS}/test-platform-results-public/${PR_PATH}/build-log.txt`,
        'https://prow.ci.openshift.org/log?job=pull-ci-openshift-origin-master-e2e-aws&id=1790000000000000000',
      ],
    ],
    [
      `${GCS}/test-platform-results-public/${PR_PATH}/build-log.txt`,
      [
        `${GCS}/test-platform-results-public/${PR_PATH}/build-log.txt`,
        'https://prow.ci.openshift.org/log?job=pull-ci-openshift-origin-master-e2e-aws&id=1790000000000000000',
      ],
    ],
    [
      `https://storage.cloud.google.com/test-platform-results-public/${PR_PATH}/build-log.txt`,
      [
        `${GCS}/test-platform-results-public/${PR_PATH}/build-log.txt`,
        'https://prow.ci.openshift.org/log?job=pull-ci-openshift-origin-master-e2e-aws&id=1790000000000000000',
      ],
    ],
    [
      `${GCS}/test-platform-results-public/${PR_PATH}/artifacts/e2e-aws/ci-operator.log`,
      [
        `${GCS}/test-platform-results-public/${PR_PATH}/artifacts/e2e-aws/ci-operator.log`,
      ],
    ],
    [
      `gs://test-platform-results-public/${PR_PATH}`,
      [
        `${GCS}/test-platform-results-public/${PR_PATH}/build-log.txt`,
        'https://prow.ci.openshift.org/log?job=pull-ci-openshift-origin-master-e2e-aws&id=1790000000000000000',
      ],
    ],
    [
      'https://prow.ci.openshift.org/log?job=pull-ci-x-e2e&id=123',
      ['https://prow.ci.openshift.org/log?job=pull-ci-x-e2e&id=123'],
    ],
    // A bucket path that is not a job layout but names build-log.txt.
    [
      `${GCS}/my-bucket/some/dir/build-log.txt`,
      [`${GCS}/my-bucket/some/dir/build-log.txt`],
    ],
    // Test servers: a bare loopback URL is read as given.
    [
      'http://127.0.0.1:8080/x/build-log.txt',
      ['http://127.0.0.1:8080/x/build-log.txt'],
    ],
    ['http://[::1]:8080/log.txt', ['http://[::1]:8080/log.txt']],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(urls(resolveLogSource(input))).toEqual(expected);
  });

  it('finished.json sits beside the log in each bucket; the live log has none', () => {
    const s = resolveLogSource(
      `https://prow.ci.openshift.org/view/gs/test-platform-results/${PR_PATH}`,
    );
    expect(
      s.kind === 'url' && s.candidates.map((c) => [c.label, c.finishedUrl]),
    ).toEqual([
      [
        'test-platform-results',
        `${GCS}/test-platform-results/${PR_PATH}/finished.json`,
      ],
      [
        'test-platform-results-public',
        `${GCS}/test-platform-results-public/${PR_PATH}/finished.json`,
      ],
      ['Prow live log', null],
    ]);
    expect(s.kind === 'url' && s.job).toMatchObject({
      type: 'presubmit',
      repo: 'openshift_origin',
      pr: 29000,
      name: 'pull-ci-openshift-origin-master-e2e-aws',
    });
  });

  it('QCI_GCS_BASE_URL and QCI_PROW_BASE_URL move every fetch to a stand-in server', () => {
    const opts = {
      gcsBaseUrl: 'http://127.0.0.1:9000/',
      prowBaseUrl: 'http://127.0.0.1:9001',
    };
    expect(
      urls(
        resolveLogSource(
          `https://prow.ci.openshift.org/view/gs/test-platform-results/logs/job-a/42`,
          opts,
        ),
      ),
    ).toEqual([
      'http://127.0.0.1:9000/test-platform-results/logs/job-a/42/build-log.txt',
      'http://127.0.0.1:9000/test-platform-results-public/logs/job-a/42/build-log.txt',
      'http://127.0.0.1:9001/log?job=job-a&id=42',
    ]);
    // A URL on the stand-in is parsed like storage.googleapis.com.
    const onStandIn = resolveLogSource(
      'http://127.0.0.1:9000/test-platform-results/logs/job-a/42/build-log.txt',
      opts,
    );
    expect(onStandIn.kind === 'url' && onStandIn.form).toBe('gcs');
    expect(urls(onStandIn)[1]).toBe(
      'http://127.0.0.1:9000/test-platform-results-public/logs/job-a/42/build-log.txt',
    );
  });

  it('parses every Prow layout', () => {
    expect(
      parseJobPath('b', 'logs/periodic-x/9'.split('/'))?.job,
    ).toMatchObject({
      type: 'periodic-or-postsubmit',
      name: 'periodic-x',
      buildId: '9',
      dir: 'logs/periodic-x/9',
    });
    expect(
      parseJobPath('b', 'pr-logs/pull/batch/pull-ci-y/7'.split('/'))?.job,
    ).toMatchObject({ type: 'batch', name: 'pull-ci-y', buildId: '7' });
    expect(
      parseJobPath('b', 'pr-logs/pull/25000/pull-ci-origin/8'.split('/'))?.job,
    ).toMatchObject({ type: 'presubmit', pr: 25000, repo: null, buildId: '8' });
    expect(
      parseJobPath('b', 'pr-logs/pull/org_repo/12/job/8/artifacts'.split('/'))
        ?.rest,
    ).toEqual(['artifacts']);
    expect(
      parseJobPath('b', 'pr-logs/pull/org_repo/12/job'.split('/')),
    ).toBeNull();
    expect(parseJobPath('b', 'logs/job/not-a-number'.split('/'))).toBeNull();
  });

  it('stdin and files', () => {
    expect(resolveLogSource('-')).toEqual({ kind: 'stdin', input: '-' });
    expect(resolveLogSource('./build-log.txt')).toEqual({
      kind: 'file',
      input: './build-log.txt',
      path: './build-log.txt',
    });
    expect(resolveLogSource('logs:with-colon.txt')).toMatchObject({
      kind: 'file',
    });
  });

  // input, words in the error
  const bad: [string, string][] = [
    ['https://example.com/build-log.txt', 'unknown host example.com'],
    [
      'https://prow.example.org/view/gs/b/logs/j/1',
      'unknown host prow.example.org',
    ],
    ['file:///tmp/build-log.txt', 'file: URLs are not read'],
    [
      'ftp://storage.googleapis.com/test-platform-results/logs/j/1/build-log.txt',
      'ftp: URLs are not supported',
    ],
    [
      'https://prow.ci.openshift.org/job-history/gs/test-platform-results/logs/j',
      'is not a Prow job URL',
    ],
    ['https://prow.ci.openshift.org/log?job=j', 'is not a Prow job URL'],
    [`${GCS}/test-platform-results/logs/j`, 'is not a Prow job path'],
    [
      'https://gcsweb-ci.apps.ci.l2s4.p1.openshiftapps.com/other',
      'not a gcsweb job URL',
    ],
    ['https://', 'not a valid URL'],
    ['', 'SOURCE is empty'],
  ];
  it.each(bad)('rejects %j', (input, words) => {
    expect(() => resolveLogSource(input)).toThrow(QciError);
    expect(() => resolveLogSource(input)).toThrow(words);
  });

  it('file: URLs get a hint with the path', () => {
    try {
      resolveLogSource('file:///tmp/build-log.txt');
      expect.unreachable();
    } catch (error) {
      expect((error as QciError).hint).toBe(
        'pass the path itself: qci job-image /tmp/build-log.txt',
      );
      expect((error as QciError).exitCode).toBe(2);
    }
  });
});

describe('fetchRefusal: https to allowed hosts, http only to loopback', () => {
  const allowed = ['storage.googleapis.com', 'prow.ci.openshift.org'];
  const cases: [string, string | null][] = [
    ['https://storage.googleapis.com/b/x', null],
    ['http://127.0.0.1:1234/x', null],
    ['http://localhost/x', null],
    ['http://[::1]:80/x', null],
    ['http://127.0.0.2:1234/x', null],
    ['http://2130706433/x', null],
    ['http://127.0.0.1.nip.io/x', 'plain http is only used for loopback'],
    ['http://localhost.evil.com/x', 'plain http is only used for loopback'],
    ['https://127.0.0.1:1234/x', null],
    [
      'http://storage.googleapis.com/b/x',
      'plain http is only used for loopback',
    ],
    ['https://evil.example.com/x', 'is not a host qci reads job logs from'],
    ['ftp://127.0.0.1/x', 'ftp: URLs are not fetched'],
    ['file:///etc/passwd', 'file: URLs are not fetched'],
  ];
  it.each(cases)('%s', (url, words) => {
    const refusal = fetchRefusal(new URL(url), allowed);
    if (words === null) expect(refusal).toBeNull();
    else expect(refusal).toContain(words);
  });
});

// Feeds `text` to a scanner split at the given offsets.
function scanChunks(
  bytes: Uint8Array,
  cuts: number[],
  indexOf?: BytesIndexOf,
): { line: NamespaceLine | null; scanner: NamespaceScanner } {
  const scanner = new NamespaceScanner(indexOf);
  let line: NamespaceLine | null = null;
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    line ??= scanner.push(bytes.subarray(at, cut));
    at = cut;
  }
  line ??= scanner.end();
  return { line, scanner };
}

const bufferIndexOf: BytesIndexOf = (h, n, from) =>
  Buffer.from(h.buffer, h.byteOffset, h.length).indexOf(n, from);
const enc = (s: string) => new TextEncoder().encode(s);

describe('NamespaceScanner: finds the line wherever the chunks split', () => {
  const variants: [string, string][] = [
    ['seed style, LF', `noise 1\nUsing something else\n${SEED}\nafter\n`],
    ['logrus, CRLF', `noise\r\n${LOGRUS}\r\nafter\r\n`],
    [
      'ANSI colours',
      `\u001b[32mok\u001b[0m\n\u001b[36mINFO\u001b[0m[2024-05-01T12:00:00Z] Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-2c2tvgti\nafter\n`,
    ],
    ['last line, no newline', `noise\n${SEED}`],
    ['a false mention first', `echo "Using namespace Bad_Name"\n${SEED}\n`],
    [
      'near misses of the short needle',
      `Using nodes 3\nUsing nUsing namespac\nUsing n\n${SEED}\n`,
    ],
    [
      'a JSON line (ci-operator.log)',
      `{"level":"debug","msg":"x"}\n{"level":"info","msg":"Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/ci-op-2c2tvgti","time":"t"}\n`,
    ],
  ];
  for (const [name, text] of variants) {
    const bytes = enc(text);
    // The whole line, prefix included, exactly as a one-chunk read finds it.
    const expected = parseNamespaceLine(
      text.split('\n').find((l) => l.includes('Using namespace http'))!,
    );
    expect(expected).not.toBeNull();
    for (const [impl, indexOf] of [
      ['plain', plainIndexOf],
      ['Buffer', bufferIndexOf],
    ] as const) {
      it(`${name} (${impl} search): every single split, and 1-byte chunks`, () => {
        for (let cut = 0; cut <= bytes.length; cut++) {
          const { line } = scanChunks(bytes, [cut], indexOf);
          expect(line, `split at ${cut}`).toEqual(expected);
        }
        const ones = Array.from({ length: bytes.length }, (_, i) => i);
        expect(scanChunks(bytes, ones, indexOf).line).toEqual(expected);
      });
    }
  }

  it('a line split over three chunks', () => {
    const bytes = enc(`x\n${SEED}\ny\n`);
    expect(scanChunks(bytes, [5, 20, 60]).line?.consoleHost).toBe(
      'console.build02.ci.openshift.org',
    );
  });

  it('keeps at most MAX_LINE_BYTES of a line that spans chunks', () => {
    const long = 'x'.repeat(MAX_LINE_BYTES * 3);
    const bytes = enc(`${long}\n${SEED}\n`);
    const { line } = scanChunks(bytes, [
      1000,
      MAX_LINE_BYTES,
      MAX_LINE_BYTES * 2 + 5,
    ]);
    expect(line?.namespace).toBe('ci-op-2c2tvgti');
  });

  it('no line: null, with the bytes counted', () => {
    const { line, scanner } = scanChunks(enc('a\nb\nc\n'), [2]);
    expect(line).toBeNull();
    expect(scanner.bytes).toBe(6);
    expect(scanner.sawText).toBe(true);
  });

  it('notices binary data, gzip and blank input', () => {
    expect(
      scanChunks(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]), []).scanner
        .problem,
    ).toBe('binary');
    expect(
      scanChunks(new Uint8Array([0x1f, 0x8b, 8, 0, 0]), []).scanner.problem,
    ).toBe('gzip');
    expect(
      scanChunks(enc(`${SEED}\n`).subarray(0, 10), []).scanner.problem,
    ).toBeNull();
    expect(scanChunks(enc(' \n\r\n\t'), [2]).scanner.sawText).toBe(false);
    expect(scanChunks(new Uint8Array(0), []).scanner.sawText).toBe(false);
  });
});

describe('freshness from finished.json', () => {
  const now = Date.UTC(2024, 4, 1, 15, 0, 0);
  it('absent: running', () =>
    expect(freshnessOf(null, now).state).toBe('running'));
  it('finished 10 minutes ago: recent', () => {
    const f = freshnessOf(
      JSON.stringify({
        timestamp: now / 1000 - 600,
        passed: true,
        result: 'SUCCESS',
      }),
      now,
    );
    expect(f).toMatchObject({
      state: 'recent',
      finishedAt: '2024-05-01T14:50:00Z',
      ageSeconds: 600,
      result: 'SUCCESS',
    });
    expect(f.detail).toContain('50m more');
  });
  it('finished 3 hours ago: expired, with the finish time', () => {
    const f = freshnessOf(
      JSON.stringify({ timestamp: now / 1000 - 3 * 3600, passed: false }),
      now,
    );
    expect(f).toMatchObject({
      state: 'expired',
      finishedAt: '2024-05-01T12:00:00Z',
      result: 'FAILURE',
    });
    expect(f.detail).toContain('2024-05-01T12:00:00Z (3h ago)');
    expect(f.detail).toContain('probably gone');
  });
  it('exactly one hour is still recent; a second more is not', () => {
    expect(
      freshnessOf(JSON.stringify({ timestamp: now / 1000 - 3600 }), now).state,
    ).toBe('recent');
    expect(
      freshnessOf(JSON.stringify({ timestamp: now / 1000 - 3601 }), now).state,
    ).toBe('expired');
  });
  it('broken finished.json: unknown', () => {
    expect(freshnessOf('{', now).state).toBe('unknown');
    expect(freshnessOf('{"passed":true}', now).state).toBe('unknown');
    expect(freshnessOf('{"timestamp":"yesterday"}', now).state).toBe('unknown');
  });
});

describe('buildJobImage', () => {
  const source = resolveLogSource('./build-log.txt');
  const read = {
    location: './build-log.txt',
    kind: 'file' as const,
    bucket: null,
    attempts: [],
    bytesRead: 10,
  };
  const freshness = freshnessOf(null, 0);
  const make = (
    line: string,
    extra: { tag?: string; clusterOverride?: string } = {},
  ) =>
    buildJobImage({
      source,
      read,
      line: parseNamespaceLine(line)!,
      tag: extra.tag ?? 'src',
      clusterOverride: extra.clusterOverride,
      freshness,
    });

  it('the seed example: build02, ci-op-2c2tvgti, pipeline:src', () => {
    expect(make(SEED)).toMatchObject({
      cluster: 'build02',
      clusterFrom: 'console host',
      namespace: 'ci-op-2c2tvgti',
      registry: 'registry.build02.ci.openshift.org',
      pullSpec: 'registry.build02.ci.openshift.org/ci-op-2c2tvgti/pipeline:src',
      warnings: [],
    });
    expect(make(SEED, { tag: 'bin' }).pullSpec).toBe(
      'registry.build02.ci.openshift.org/ci-op-2c2tvgti/pipeline:bin',
    );
  });

  it('vsphere02: only vSphere administrators can pull', () => {
    const image = make(
      'Using namespace https://console-openshift-console.apps.build02.vmc.ci.openshift.org/k8s/cluster/projects/ci-op-v',
    );
    expect(image.pullSpec).toBe(
      'registry.apps.build02.vmc.ci.openshift.org/ci-op-v/pipeline:src',
    );
    expect(image.access).toContain('only vSphere administrators');
    expect(image.warnings.join()).toContain('only vSphere administrators');
  });

  it('no console host: cluster unknown, with how to find it; --cluster fills it in', () => {
    const image = make('Using namespace ci-op-bare');
    expect(image).toMatchObject({
      cluster: null,
      registry: null,
      pullSpec: null,
    });
    const error = missingPullSpecError(image)!;
    expect(error.message).toContain('cluster unknown');
    expect(error.hint).toContain('spec.cluster');
    expect(error.hint).toContain('--cluster');
    expect(
      make('Using namespace ci-op-bare', { clusterOverride: 'build09' }),
    ).toMatchObject({
      cluster: 'build09',
      clusterFrom: '--cluster',
      pullSpec: 'registry.build09.ci.openshift.org/ci-op-bare/pipeline:src',
    });
  });

  it('--cluster that disagrees with the log wins, with a warning', () => {
    const image = make(SEED, { clusterOverride: 'build01' });
    expect(image.cluster).toBe('build01');
    expect(image.warnings[0]).toContain('the log says the job ran on build02');
  });

  it('a cluster without a registry has no pull spec', () => {
    const image = make('Using namespace ci-op-h', {
      clusterOverride: 'hosted-mgmt',
    });
    expect(image.pullSpec).toBeNull();
    expect(missingPullSpecError(image)!.message).toContain(
      'hosted-mgmt has no registry',
    );
  });

  it('an unknown --cluster is a usage error', () => {
    expect(() => make(SEED, { clusterOverride: 'mars01' })).toThrow(
      'unknown cluster "mars01"',
    );
  });
});

describe('job-image settings', () => {
  it('defaults', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({
      jobLogTimeout: 30,
      jobLogMaxBytes: 512 * 1024 * 1024,
      jobLogMaxRedirects: 5,
      gcsBaseUrl: 'https://storage.googleapis.com',
    });
  });

  // env, flags, file, expected settings
  const cases: [
    Record<string, string>,
    Record<string, unknown>,
    Record<string, unknown> | null,
    Record<string, unknown>,
  ][] = [
    [{ QCI_JOB_LOG_TIMEOUT: '0.5' }, {}, null, { jobLogTimeout: 0.5 }],
    [
      { QCI_JOB_LOG_TIMEOUT: '5' },
      { jobLogTimeout: '7' },
      null,
      { jobLogTimeout: 7 },
    ],
    [{}, {}, { 'job-log-timeout': 12 }, { jobLogTimeout: 12 }],
    [
      { QCI_JOB_LOG_MAX_BYTES: '256M' },
      {},
      { 'job-log-max-bytes': '1G' },
      { jobLogMaxBytes: 256 * 1024 * 1024 },
    ],
    [{}, {}, { 'job-log-max-bytes': '1G' }, { jobLogMaxBytes: 1024 ** 3 }],
    [{}, { jobLogMaxBytes: '64KiB' }, null, { jobLogMaxBytes: 65536 }],
    [{ QCI_JOB_LOG_MAX_REDIRECTS: '0' }, {}, null, { jobLogMaxRedirects: 0 }],
    [
      { QCI_GCS_BASE_URL: 'http://127.0.0.1:8080' },
      {},
      null,
      { gcsBaseUrl: 'http://127.0.0.1:8080' },
    ],
  ];
  it.each(cases)('env %j flags %j file %j', (env, flags, data, expected) => {
    const { settings } = resolveSettings(
      {
        env,
        flags,
        ...(data ? { file: { path: '/c.yaml', data } } : {}),
      },
      settingsValidator,
    );
    expect(settings).toMatchObject(expected);
  });

  const bad: [Parameters<typeof resolveSettings>[0], string][] = [
    [
      { env: { QCI_JOB_LOG_TIMEOUT: '0' } },
      'environment QCI_JOB_LOG_TIMEOUT=0: expected a number of seconds above 0',
    ],
    [{ env: { QCI_JOB_LOG_TIMEOUT: 'soon' } }, 'QCI_JOB_LOG_TIMEOUT=soon'],
    [
      { flags: { jobLogMaxBytes: '12' } },
      'option --max-bytes=12: expected a size of at least 1K',
    ],
    [{ flags: { jobLogMaxRedirects: '1.5' } }, 'option --max-redirects=1.5'],
    [
      { file: { path: '/c.yaml', data: { 'job-log-max-bytes': 'lots' } } },
      'config file /c.yaml: job-log-max-bytes: expected a size',
    ],
    [
      { env: { QCI_GCS_BASE_URL: 'storage.googleapis.com' } },
      'expected an http(s) URL',
    ],
    [
      { file: { path: '/c.yaml', data: { 'job-log-timeot': 3 } } },
      'config file /c.yaml',
    ],
  ];
  it.each(bad)('%j', (input, words) => {
    expect(() => resolveSettings(input, settingsValidator)).toThrow(words);
  });

  it('parseSize', () => {
    expect([
      parseSize('4096'),
      parseSize('1k'),
      parseSize('1.5M'),
      parseSize('2 GiB'),
      parseSize('x'),
      parseSize('-1'),
    ]).toEqual([4096, 1024, 1572864, 2 * 1024 ** 3, undefined, undefined]);
  });
});

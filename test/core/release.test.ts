/** What qci release takes and where payloads live: one line per case. */
import { describe, expect, it } from 'vitest';
import { ciPayloadName } from '../../src/core/payloads.js';
import {
  closestNames,
  splitPullSpec,
  streamsToShow,
  controllerBase,
  locationOf,
  parseReleaseInput,
  payloadTag,
  payloadTagProblem,
  qciPayloadSpec,
  type Architecture,
} from '../../src/core/release.js';
import {
  notFoundMeaning,
  parseImageReferences,
  parseLatest,
  parseStreams,
  parseTags,
} from '../../src/core/release-api.js';
import { QciError } from '../../src/core/errors.js';

describe('STREAM_OR_NAME', () => {
  // input, --arch, kind, stream, name (release only), architecture
  const cases: [
    string,
    Architecture | undefined,
    string,
    string,
    string | null,
    Architecture,
  ][] = [
    ['4.18', undefined, 'stream', '4.18.0-0.ci', null, 'amd64'],
    ['4.18', 'arm64', 'stream', '4.18.0-0.ci-arm64', null, 'arm64'],
    ['4.22', 'multi', 'stream', '4.22.0-0.ci-multi', null, 'multi'],
    ['4.18.0-0.ci', undefined, 'stream', '4.18.0-0.ci', null, 'amd64'],
    [
      '4.18.0-0.nightly',
      undefined,
      'stream',
      '4.18.0-0.nightly',
      null,
      'amd64',
    ],
    [
      '4.18.0-0.nightly-s390x',
      undefined,
      'stream',
      '4.18.0-0.nightly-s390x',
      null,
      's390x',
    ],
    [
      '4.7.0-0.ci-ppc64le',
      'ppc64le',
      'stream',
      '4.7.0-0.ci-ppc64le',
      null,
      'ppc64le',
    ],
    [
      '4.18.0-0.nightly-arm64-priv',
      undefined,
      'stream',
      '4.18.0-0.nightly-arm64-priv',
      null,
      'arm64',
    ],
    ['4-stable', undefined, 'stream', '4-stable', null, 'amd64'],
    ['4-stable-multi', 'multi', 'stream', '4-stable-multi', null, 'multi'],
    [
      '4.18.0-0.ci-2026-11-20-101010',
      undefined,
      'release',
      '4.18.0-0.ci',
      '4.18.0-0.ci-2026-11-20-101010',
      'amd64',
    ],
    [
      '4.13.0-0.nightly-arm64-2023-02-01-192642',
      undefined,
      'release',
      '4.13.0-0.nightly-arm64',
      '4.13.0-0.nightly-arm64-2023-02-01-192642',
      'arm64',
    ],
    [
      '4.18.0-0.ci-multi-2026-01-02-030405',
      undefined,
      'release',
      '4.18.0-0.ci-multi',
      '4.18.0-0.ci-multi-2026-01-02-030405',
      'multi',
    ],
    ['4.18.3', undefined, 'release', '4-stable', '4.18.3', 'amd64'],
    ['4.18.3', 'arm64', 'release', '4-stable-arm64', '4.18.3', 'arm64'],
    [
      '4.19.0-ec.2',
      undefined,
      'release',
      '4-dev-preview',
      '4.19.0-ec.2',
      'amd64',
    ],
    [
      '4.19.0-rc.1-multi',
      undefined,
      'release',
      '4-stable-multi'.replace('stable', 'dev-preview'),
      '4.19.0-rc.1-multi',
      'multi',
    ],
    [' 4.18 ', undefined, 'stream', '4.18.0-0.ci', null, 'amd64'],
    // --arch names the stream of that architecture, as the controller calls it.
    [
      '4.18.0-0.nightly',
      'arm64',
      'stream',
      '4.18.0-0.nightly-arm64',
      null,
      'arm64',
    ],
    [
      '4.18.0-0.nightly-priv',
      's390x',
      'stream',
      '4.18.0-0.nightly-s390x-priv',
      null,
      's390x',
    ],
    ['4-stable', 'arm64', 'stream', '4-stable-arm64', null, 'arm64'],
    ['4-stable-arm64', 'arm64', 'stream', '4-stable-arm64', null, 'arm64'],
    ['4-dev-preview', 'multi', 'stream', '4-dev-preview-multi', null, 'multi'],
    // A payload's pull spec pasted whole is its tag; quay.io's suffixes are architectures.
    [
      'registry.ci.openshift.org/ocp/release:4.18.0-0.nightly-2026-11-20-000000',
      undefined,
      'release',
      '4.18.0-0.nightly',
      '4.18.0-0.nightly-2026-11-20-000000',
      'amd64',
    ],
    [
      'quay.io/openshift-release-dev/ocp-release:4.18.3-x86_64',
      undefined,
      'release',
      '4-stable',
      '4.18.3',
      'amd64',
    ],
    [
      '4.18.3-aarch64',
      undefined,
      'release',
      '4-stable-arm64',
      '4.18.3',
      'arm64',
    ],
    [
      'quay-proxy.ci.openshift.org/openshift/ci:rc_payload__4.18.0-0.ci-2026-11-20-101010',
      undefined,
      'release',
      '4.18.0-0.ci',
      '4.18.0-0.ci-2026-11-20-101010',
      'amd64',
    ],
  ];
  it.each(cases)(
    '%s (--arch %s) is a %s of %s',
    (input, arch, kind, stream, name, a) => {
      const parsed = parseReleaseInput(input, arch);
      expect(parsed.kind).toBe(kind);
      expect(parsed.stream).toBe(stream);
      expect(parsed.kind === 'release' ? parsed.name : null).toBe(name);
      expect(parsed.arch).toBe(a);
    },
  );

  const bad: [string, Architecture | undefined, RegExp][] = [
    ['', undefined, /not a release stream or name/],
    ['4.18 ci', undefined, /not a release stream or name/],
    ['../../etc/passwd', undefined, /not a release stream or name/],
    ['4.18.0-0.ci?x=1', undefined, /not a release stream or name/],
    ['4.18.0-0.nightly-arm64', 'amd64', /names arm64, and --arch says amd64/],
    ['4.18.0-0.ci-s390x-2026-01-01-000000', 'arm64', /names s390x/],
    [
      '4.18.0-0.nightly-2026-01-01-000000',
      'arm64',
      /an amd64 release; one for arm64 has a name of its own/,
    ],
    ['4-stable-arm64', 'multi', /names arm64, and --arch says multi/],
    ['4.18.3-aarch64', 'amd64', /names arm64, and --arch says amd64/],
    [
      'quay.io/openshift-release-dev/ocp-release@sha256:abc',
      undefined,
      /not a release stream or name/,
    ],
    [
      'quay.io/someone/else:4.18.3',
      undefined,
      /quay.io\/someone\/else is not a repository of release payloads/,
    ],
  ];
  it.each(bad)('%j (--arch %s) is refused: %s', (input, arch, message) => {
    let error: unknown;
    try {
      parseReleaseInput(input, arch);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QciError);
    expect((error as QciError).exitCode).toBe(2);
    expect((error as QciError).message).toMatch(message);
  });
});

describe('controllers, tags and locations', () => {
  const bases: [Architecture, string | undefined, string][] = [
    ['amd64', undefined, 'https://amd64.ocp.releases.ci.openshift.org'],
    ['arm64', undefined, 'https://arm64.ocp.releases.ci.openshift.org'],
    ['multi', undefined, 'https://multi.ocp.releases.ci.openshift.org'],
    ['ppc64le', undefined, 'https://ppc64le.ocp.releases.ci.openshift.org'],
    ['s390x', undefined, 'https://s390x.ocp.releases.ci.openshift.org'],
    ['arm64', 'http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
  ];
  it.each(bases)('%s with override %s → %s', (arch, override, base) =>
    expect(controllerBase(arch, override)).toBe(base),
  );

  it('names the QCI payload tag as the release controller pushes it', () => {
    expect(payloadTag('4.18.0-0.ci-2026-11-20-101010')).toBe(
      'rc_payload__4.18.0-0.ci-2026-11-20-101010',
    );
    expect(qciPayloadSpec('quay-proxy.ci.openshift.org', '4.18.0-0.ci-x')).toBe(
      'quay-proxy.ci.openshift.org/openshift/ci:rc_payload__4.18.0-0.ci-x',
    );
    expect(payloadTagProblem('4.18.0-0.ci')).toBeNull();
    expect(payloadTagProblem('x'.repeat(120))).toMatch(/longer than 128/);
  });

  const locations: [string, string, string][] = [
    [
      'quay-proxy.ci.openshift.org/openshift/ci:rc_payload__4.18.0-0.ci-x',
      'quay-proxy.ci.openshift.org',
      'qci',
    ],
    ['127.0.0.1:5000/openshift/ci:rc_payload__x', '127.0.0.1:5000', 'qci'],
    [
      'quay.io/openshift/ci:rc_payload__x',
      'quay-proxy.ci.openshift.org',
      'qci',
    ],
    [
      'registry.ci.openshift.org/ocp/release:4.18.0-0.nightly-x',
      'quay-proxy.ci.openshift.org',
      'app.ci',
    ],
    [
      'quay.io/openshift-release-dev/ocp-release:4.18.3-x86_64',
      'quay-proxy.ci.openshift.org',
      'other',
    ],
    [
      'quay.io/openshift/ci-tools:latest',
      'quay-proxy.ci.openshift.org',
      'other',
    ],
  ];
  it.each(locations)('%s (QCI at %s) lives in %s', (spec, host, where) =>
    expect(locationOf(spec, host)).toBe(where),
  );

  const payloads: [string, string | null][] = [
    [
      '/ocp/release:4.18.0-0.ci-2026-11-20-101010',
      '4.18.0-0.ci-2026-11-20-101010',
    ],
    [
      '/ocp/release:4.18.0-0.ci-arm64-2026-11-20-101010',
      '4.18.0-0.ci-arm64-2026-11-20-101010',
    ],
    ['/ocp/release:4.18.0-0.nightly-2026-11-20-101010', null],
    ['/ocp/release:4.18.0-0.ci', null],
    ['/origin/release:4.18.0-0.ci-2026-11-20-101010', null],
  ];
  it.each(payloads)('the CI payload in %s is %s', (path, name) =>
    expect(ciPayloadName(path)).toBe(name),
  );
});

describe('release controller answers', () => {
  it('reads /latest as the controller writes it', () => {
    const r = parseLatest(
      '{\n  "name": "4.18.0-0.ci-2026-11-20-101010",\n  "phase": "Accepted",\n  "pullSpec": "quay-proxy.ci.openshift.org/openshift/ci:rc_payload__4.18.0-0.ci-2026-11-20-101010",\n  "downloadURL": ""\n}\n',
    );
    expect(r).toEqual({
      ok: true,
      value: {
        name: '4.18.0-0.ci-2026-11-20-101010',
        phase: 'Accepted',
        pullSpec:
          'quay-proxy.ci.openshift.org/openshift/ci:rc_payload__4.18.0-0.ci-2026-11-20-101010',
        downloadURL: '',
      },
    });
  });
  const broken: [string, string, RegExp][] = [
    ['latest', '<html>oops</html>', /not JSON/],
    ['latest', '{"phase": "Accepted"}', /name/],
    ['latest', '[]', /.+/],
    ['tags', '{"name": "x", "tags": [{"name": 3}]}', /tags\.0\.name/],
    ['streams', '{"4.18.0-0.ci": "x"}', /4\.18\.0-0\.ci/],
  ];
  it.each(broken)('refuses a %s answer %s', (which, text, issue) => {
    const parse = {
      latest: parseLatest,
      tags: parseTags,
      streams: parseStreams,
    }[which as 'latest'];
    const r = parse(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.issue).toMatch(issue);
  });
  it('reads a stream with no tags (Go writes null)', () => {
    expect(parseTags('{"name":"4.18.0-0.ci","tags":null}')).toEqual({
      ok: true,
      value: { name: '4.18.0-0.ci', tags: null },
    });
  });
  const meanings: [string, string][] = [
    [
      'no release configuration exists with the requested name\n',
      'unknown-stream',
    ],
    ['Unable to find release 4.99.0-0.ci\n', 'unknown-stream'],
    [
      'no tags exist within the release that satisfy the request\n',
      'no-release',
    ],
    ['404 page not found\n', 'other'],
  ];
  it.each(meanings)('a 404 saying %j means %s', (body, meaning) =>
    expect(notFoundMeaning(body)).toBe(meaning),
  );
});

describe('image-references', () => {
  const D = `sha256:${'ab'.repeat(32)}`;
  it('lists components sorted, with their digests', () => {
    const r = parseImageReferences(
      JSON.stringify({
        kind: 'ImageStream',
        apiVersion: 'image.openshift.io/v1',
        metadata: { name: '4.18.0-0.ci-x' },
        spec: {
          tags: [
            {
              name: 'installer',
              from: { kind: 'DockerImage', name: `q/openshift/ci@${D}` },
            },
            {
              name: 'cli',
              from: { kind: 'DockerImage', name: 'q/openshift/ci:cli' },
            },
            { name: 'empty' },
          ],
        },
      }),
    );
    expect(r).toEqual({
      ok: true,
      value: [
        { name: 'cli', pullSpec: 'q/openshift/ci:cli', digest: null },
        { name: 'installer', pullSpec: `q/openshift/ci@${D}`, digest: D },
      ],
    });
  });
  const bad: [string, string][] = [
    ['not JSON', '{'],
    ['another kind', '{"kind":"List","apiVersion":"v1","spec":{"tags":[]}}'],
    [
      'another API version',
      '{"kind":"ImageStream","apiVersion":"v1","spec":{"tags":[]}}',
    ],
  ];
  it.each(bad)('refuses %s', (_, text) =>
    expect(parseImageReferences(text).ok).toBe(false),
  );
});

describe('pull specs as registry API parts', () => {
  const D = `sha256:${'cd'.repeat(32)}`;
  const cases: [string, ReturnType<typeof splitPullSpec>][] = [
    [
      'registry.ci.openshift.org/ocp/release:4.18.0-0.nightly-2026-01-01-000000',
      {
        host: 'registry.ci.openshift.org',
        repository: 'ocp/release',
        reference: '4.18.0-0.nightly-2026-01-01-000000',
      },
    ],
    [
      `quay-proxy.ci.openshift.org/openshift/ci@${D}`,
      {
        host: 'quay-proxy.ci.openshift.org',
        repository: 'openshift/ci',
        reference: D,
      },
    ],
    [
      '127.0.0.1:5000/openshift/ci:rc_payload__x',
      {
        host: '127.0.0.1:5000',
        repository: 'openshift/ci',
        reference: 'rc_payload__x',
      },
    ],
    ['openshift/ci:x', null],
    ['host/ocp/release', null],
    ['host/ocp/release:a b', null],
  ];
  it.each(cases)('%s', (spec, parts) =>
    expect(splitPullSpec(spec)).toEqual(parts),
  );
});

describe('streams named when one is unknown', () => {
  const all = [
    '4-stable',
    '4.9.0-0.ci',
    '4.17.0-0.ci',
    '4.18.0-0.ci',
    '4.18.0-0.nightly',
    '4.19.0-0.ci',
  ];
  const cases: [string, number, string[], number][] = [
    [
      '4.18.0-0.nighty',
      12,
      [
        '4.18.0-0.nightly',
        '4.19.0-0.ci',
        '4.18.0-0.ci',
        '4.17.0-0.ci',
        '4.9.0-0.ci',
        '4-stable',
      ],
      0,
    ],
    ['4.17.0-0.cj', 2, ['4.17.0-0.ci', '4.19.0-0.ci'], 4],
    ['5.0.0-0.ci', 3, ['4.19.0-0.ci', '4.18.0-0.ci', '4.18.0-0.nightly'], 3],
    [
      'nonsense',
      12,
      [
        '4.19.0-0.ci',
        '4.18.0-0.ci',
        '4.18.0-0.nightly',
        '4.17.0-0.ci',
        '4.9.0-0.ci',
        '4-stable',
      ],
      0,
    ],
  ];
  it.each(cases)(
    'for %s (at most %i): %j and %i more',
    (wanted, max, shown, more) =>
      expect(streamsToShow(all, wanted, max)).toEqual({ shown, more }),
  );
});

describe('component names close to a mistyped one', () => {
  const names = [
    'cli',
    'cli-artifacts',
    'installer',
    'installer-artifacts',
    'machine-config-operator',
  ];
  const cases: [string, string[]][] = [
    ['instaler', ['installer', 'installer-artifacts']],
    ['artifacts', ['cli-artifacts', 'installer-artifacts']],
    ['machine-config', ['machine-config-operator']],
    ['etcd', []],
  ];
  it.each(cases)('%s → %j', (wanted, close) =>
    expect(closestNames(names, wanted)).toEqual(close),
  );
});

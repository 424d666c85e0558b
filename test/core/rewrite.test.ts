/** Finding old CI registry references in text and mapping them to QCI: one line per case. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyRewrites,
  findRegistryReferences,
} from '../../src/core/rewrite.js';

const Q = 'quay-proxy.ci.openshift.org/openshift/ci';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('references that are rewritten', () => {
  // text, the reference found, its QCI pull spec
  const cases: [string, string, string][] = [
    [
      'FROM registry.ci.openshift.org/ocp/4.7:base',
      'registry.ci.openshift.org/ocp/4.7:base',
      `${Q}:ocp_4.7_base`,
    ],
    [
      'FROM registry.svc.ci.openshift.org/ocp/4.7:base AS builder',
      'registry.svc.ci.openshift.org/ocp/4.7:base',
      `${Q}:ocp_4.7_base`,
    ],
    [
      'FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.22-openshift-4.17 AS builder',
      'registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.22-openshift-4.17',
      `${Q}:ocp_builder_rhel-9-golang-1.22-openshift-4.17`,
    ],
    [
      '  image: "registry.ci.openshift.org/ci/ci-operator:latest"',
      'registry.ci.openshift.org/ci/ci-operator:latest',
      `${Q}:ci_ci-operator_latest`,
    ],
    [
      "  image: 'registry.ci.openshift.org/ci/ci-operator:latest'",
      'registry.ci.openshift.org/ci/ci-operator:latest',
      `${Q}:ci_ci-operator_latest`,
    ],
    [
      '{"image":"registry.ci.openshift.org/openshift/release:golang-1.22"}',
      'registry.ci.openshift.org/openshift/release:golang-1.22',
      `${Q}:openshift_release_golang-1.22`,
    ],
    [
      'IMAGE ?= registry.ci.openshift.org/ocp/4.18:cli',
      'registry.ci.openshift.org/ocp/4.18:cli',
      `${Q}:ocp_4.18_cli`,
    ],
    [
      'podman pull registry.svc.ci.openshift.org/ci/ci-operator:latest && echo',
      'registry.svc.ci.openshift.org/ci/ci-operator:latest',
      `${Q}:ci_ci-operator_latest`,
    ],
    [
      'skopeo inspect docker://registry.ci.openshift.org/ocp/4.7:cli',
      'registry.ci.openshift.org/ocp/4.7:cli',
      `${Q}:ocp_4.7_cli`,
    ],
    [
      'Pull registry.ci.openshift.org/ocp/4.7:cli.',
      'registry.ci.openshift.org/ocp/4.7:cli',
      `${Q}:ocp_4.7_cli`,
    ],
    [
      'see (registry.ci.openshift.org/ocp/4.7:cli), then',
      'registry.ci.openshift.org/ocp/4.7:cli',
      `${Q}:ocp_4.7_cli`,
    ],
    [
      '- registry.ci.openshift.org/ocp/release:payload_images',
      'registry.ci.openshift.org/ocp/release:payload_images',
      `${Q}:ocp_release_payload_images`,
    ],
  ];
  it.each(cases)('%s', (text, reference, replacement) => {
    const refs = findRegistryReferences(text);
    expect(refs.map((r) => [r.reference, r.replacement, r.reason])).toEqual([
      [reference, replacement, null],
    ]);
    expect(applyRewrites(text, refs)).toBe(
      text.replace(reference, replacement),
    );
  });
});

describe('references listed for review and never rewritten', () => {
  // text, the reference found, words of the reason, suggestion or null
  const cases: [string, string, string, string | null][] = [
    [
      `FROM registry.ci.openshift.org/ocp/4.7@${DIGEST}`,
      `registry.ci.openshift.org/ocp/4.7@${DIGEST}`,
      'pinned by digest',
      null,
    ],
    [
      `image: registry.svc.ci.openshift.org/ocp/4.7:base@${DIGEST}`,
      `registry.svc.ci.openshift.org/ocp/4.7:base@${DIGEST}`,
      'pinned by digest',
      null,
    ],
    [
      'FROM registry.ci.openshift.org/ci/ci-operator',
      'registry.ci.openshift.org/ci/ci-operator',
      'no tag',
      null,
    ],
    [
      'FROM registry.ci.openshift.org/ocp/4.7:${VERSION}',
      'registry.ci.openshift.org/ocp/4.7:${VERSION}',
      'templated',
      `${Q}:ocp_4.7_\${VERSION}`,
    ],
    [
      'FROM registry.ci.openshift.org/ocp/${RELEASE}:cli',
      'registry.ci.openshift.org/ocp/${RELEASE}:cli',
      'templated',
      `${Q}:ocp_\${RELEASE}_cli`,
    ],
    [
      'image: registry.ci.openshift.org/ocp/4.7:{{ .Tag }}',
      'registry.ci.openshift.org/ocp/4.7:{{ .Tag }}',
      'templated',
      `${Q}:ocp_4.7_{{ .Tag }}`,
    ],
    [
      'IMG := registry.ci.openshift.org/ocp/4.7:$(TAG)',
      'registry.ci.openshift.org/ocp/4.7:$(TAG)',
      'templated',
      `${Q}:ocp_4.7_$(TAG)`,
    ],
    [
      'podman pull registry.ci.openshift.org/$NS/tools:latest',
      'registry.ci.openshift.org/$NS/tools:latest',
      'templated',
      `${Q}:$NS_tools_latest`,
    ],
    [
      'X=registry.ci.openshift.org/${NS}/${NAME}:${TAG}-amd64',
      'registry.ci.openshift.org/${NS}/${NAME}:${TAG}-amd64',
      'templated',
      `${Q}:\${NS}_\${NAME}_\${TAG}-amd64`,
    ],
    [
      'curl https://registry.ci.openshift.org/v2/ocp/4.7/manifests/cli',
      'registry.ci.openshift.org/v2/ocp/4.7/manifests/cli',
      'two path parts',
      null,
    ],
    [
      'FROM registry.ci.openshift.org/o_cp/4.7:cli',
      'registry.ci.openshift.org/o_cp/4.7:cli',
      'contains "_"',
      null,
    ],
    [
      `FROM registry.ci.openshift.org/ocp/4.7:${'t'.repeat(121)}`,
      `registry.ci.openshift.org/ocp/4.7:${'t'.repeat(121)}`,
      'cannot exist in QCI',
      null,
    ],
    [
      'podman login registry.svc.ci.openshift.org',
      'registry.svc.ci.openshift.org',
      'decommissioned',
      null,
    ],
    [
      'FROM registry.ci.openshift.org:443/ocp/4.7:cli',
      'registry.ci.openshift.org:443/ocp/4.7:cli',
      'port',
      null,
    ],
  ];
  it.each(cases)('%s', (text, reference, reason, suggestion) => {
    const refs = findRegistryReferences(text);
    expect(refs).toHaveLength(1);
    expect(refs[0]!.reference).toBe(reference);
    expect(refs[0]!.replacement).toBeNull();
    expect(refs[0]!.reason).toContain(reason);
    expect(refs[0]!.suggestion).toBe(suggestion);
    expect(applyRewrites(text, refs)).toBe(text);
  });
});

describe('text that is not a reference to rewrite', () => {
  it.each([
    'podman login registry.ci.openshift.org', // app.ci's registry itself is fine for automation logins
    'registry.build02.ci.openshift.org/ci-op-abc/pipeline:src', // a build farm registry
    'myregistry.ci.openshift.org/ocp/4.7:cli',
    'registry.ci.openshift.org.example.com/ocp/4.7:cli',
    `${Q}:ocp_4.7_cli`,
    'https://prow.ci.openshift.org/view/gs/test-platform-results/logs/x/1',
  ])('%s', (text) => {
    expect(findRegistryReferences(text)).toEqual([]);
  });
});

describe('positions, line endings and bytes', () => {
  it('gives 1-based lines and byte columns, with CRLF and LF alike', () => {
    const text =
      'a\r\nb registry.ci.openshift.org/ocp/4.7:a\r\n\r\n  registry.svc.ci.openshift.org/ocp/4.7:b x registry.ci.openshift.org/ocp/4.7:c\n';
    expect(
      findRegistryReferences(text).map((r) => [r.line, r.column, r.reference]),
    ).toEqual([
      [2, 3, 'registry.ci.openshift.org/ocp/4.7:a'],
      [4, 3, 'registry.svc.ci.openshift.org/ocp/4.7:b'],
      [4, 45, 'registry.ci.openshift.org/ocp/4.7:c'],
    ]);
    expect(applyRewrites(text, findRegistryReferences(text))).toBe(
      `a\r\nb ${Q}:ocp_4.7_a\r\n\r\n  ${Q}:ocp_4.7_b x ${Q}:ocp_4.7_c\n`,
    );
  });

  it('keeps every byte outside the references, including invalid UTF-8, when read as latin1', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(' registry.ci.openshift.org/ocp/4.7:cli '),
      Buffer.from([0xe2, 0x82]),
    ]);
    const text = bytes.toString('latin1');
    const out = Buffer.from(
      applyRewrites(text, findRegistryReferences(text)),
      'latin1',
    );
    expect(out).toEqual(
      Buffer.concat([
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from(` ${Q}:ocp_4.7_cli `),
        Buffer.from([0xe2, 0x82]),
      ]),
    );
  });

  it('property: rewriting is idempotent and changes only the references', () => {
    const word = fc.string({
      unit: fc.constantFrom(...'abc019-._ \n\r\t"\'/:@${}()'.split('')),
      maxLength: 12,
    });
    const ref = fc
      .tuple(
        fc.constantFrom(
          'registry.ci.openshift.org',
          'registry.svc.ci.openshift.org',
        ),
        fc.constantFrom('ocp', 'ci', 'my-org'),
        fc.constantFrom('4.7', 'cli', 'my_image'),
        fc.constantFrom('latest', 'base', 'a_b', 'v1.2.3'),
      )
      .map(([host, ns, name, tag]) => `${host}/${ns}/${name}:${tag}`);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(word, ref), { maxLength: 6 }),
        word,
        (pieces, end) => {
          const text = pieces.map(([w, r]) => `${w} ${r} `).join('') + end;
          const once = applyRewrites(text, findRegistryReferences(text));
          expect(
            findRegistryReferences(once).filter((r) => r.replacement !== null),
          ).toEqual([]);
          expect(applyRewrites(once, findRegistryReferences(once))).toBe(once);
          // Outside the references the text is the same.
          const strip = (s: string) =>
            s.replace(
              /registry\.(svc\.)?ci\.openshift\.org\/[a-z-]+\/[a-z0-9._]+:[A-Za-z0-9._-]+|quay-proxy\.ci\.openshift\.org\/openshift\/ci:[A-Za-z0-9._-]+/g,
              'REF',
            );
          expect(strip(once)).toBe(strip(text));
        },
      ),
    );
  });

  it('finds nothing quickly in text without the marker', () => {
    expect(findRegistryReferences('x'.repeat(1_000_000))).toEqual([]);
  });
});

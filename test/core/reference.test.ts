import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ReferenceError,
  directSpecFor,
  imageStreamTagsForQciTag,
  parseReference,
  pullSpecFor,
  qciTagFor,
  qciTagForImageStreamTag,
  quayStreamFor,
  quayStreamSource,
} from '../../src/core/reference.js';

const PROXY = 'quay-proxy.ci.openshift.org/openshift/ci';

describe('parseReference: accepted forms', () => {
  // input, kind, namespace/name:tag, QCI pull spec, a warning that must appear (or null for none)
  const cases: [string, string, string, string, string | null][] = [
    [
      'ocp/4.7:my-component',
      'imagestreamtag',
      'ocp/4.7:my-component',
      `${PROXY}:ocp_4.7_my-component`,
      null,
    ],
    [
      'ci/ci-operator:latest',
      'imagestreamtag',
      'ci/ci-operator:latest',
      `${PROXY}:ci_ci-operator_latest`,
      null,
    ],
    [
      '  ocp/4.7:cli  ',
      'imagestreamtag',
      'ocp/4.7:cli',
      `${PROXY}:ocp_4.7_cli`,
      null,
    ],
    [
      'docker://ocp/4.7:cli',
      'imagestreamtag',
      'ocp/4.7:cli',
      `${PROXY}:ocp_4.7_cli`,
      null,
    ],
    [
      'https://quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_cli',
      'qci-proxy',
      'ocp/4.7:cli',
      `${PROXY}:ocp_4.7_cli`,
      'no https:// in front',
    ],
    [
      'HTTP://registry.ci.openshift.org/ocp/4.7:cli',
      'app-ci-registry',
      'ocp/4.7:cli',
      `${PROXY}:ocp_4.7_cli`,
      'no http:// in front',
    ],
    [
      'my-organization/my-component:latest',
      'imagestreamtag',
      'my-organization/my-component:latest',
      `${PROXY}:my-organization_my-component_latest`,
      null,
    ],
    [
      'registry.ci.openshift.org/ocp/4.7:my-component',
      'app-ci-registry',
      'ocp/4.7:my-component',
      `${PROXY}:ocp_4.7_my-component`,
      'internal registry',
    ],
    [
      'REGISTRY.CI.OPENSHIFT.ORG/ocp/4.7:cli',
      'app-ci-registry',
      'ocp/4.7:cli',
      `${PROXY}:ocp_4.7_cli`,
      'internal registry',
    ],
    [
      'registry.svc.ci.openshift.org/ci/ci-operator:latest',
      'decommissioned-registry',
      'ci/ci-operator:latest',
      `${PROXY}:ci_ci-operator_latest`,
      'decommissioned',
    ],
    [
      'quay.io/openshift/ci:ocp_4.7_my-component',
      'qci-direct',
      'ocp/4.7:my-component',
      `${PROXY}:ocp_4.7_my-component`,
      null,
    ],
    [
      'quay-proxy.ci.openshift.org/openshift/ci:ci_ci-operator_latest',
      'qci-proxy',
      'ci/ci-operator:latest',
      `${PROXY}:ci_ci-operator_latest`,
      null,
    ],
    [
      'quay.io/openshift/ci:ocp_4.18_base-rhel9',
      'qci-direct',
      'ocp/4.18:base-rhel9',
      `${PROXY}:ocp_4.18_base-rhel9`,
      null,
    ],
    [
      'ocp/release:payload_images',
      'imagestreamtag',
      'ocp/release:payload_images',
      `${PROXY}:ocp_release_payload_images`,
      'also reads as ocp/release_payload:images',
    ],
  ];
  it.each(cases)('%s', (input, kind, ist, spec, warning) => {
    const ref = parseReference(input);
    expect(ref.kind).toBe(kind);
    const t = ref.imageStreamTag;
    expect(t && `${t.namespace}/${t.name}:${t.tag}`).toBe(ist);
    expect(pullSpecFor(ref)).toBe(spec);
    if (warning === null) expect(ref.warnings).toEqual([]);
    else expect(ref.warnings.join(' ')).toContain(warning);
  });

  it('maps to the authoritative quay.io form with --direct', () => {
    expect(directSpecFor(parseReference('ocp/4.7:my-component'))).toBe(
      'quay.io/openshift/ci:ocp_4.7_my-component',
    );
  });

  it('uses the configured pull host, and recognises it as QCI input', () => {
    const ref = parseReference('ocp/4.7:cli');
    expect(pullSpecFor(ref, '127.0.0.1:5000')).toBe(
      '127.0.0.1:5000/openshift/ci:ocp_4.7_cli',
    );
    const back = parseReference('127.0.0.1:5000/openshift/ci:ocp_4.7_cli', {
      pullHost: '127.0.0.1:5000',
    });
    expect(back.kind).toBe('qci-proxy');
    expect(back.imageStreamTag).toEqual({
      namespace: 'ocp',
      name: '4.7',
      tag: 'cli',
    });
  });

  it('keeps a QCI digest reference pullable through the proxy, with no image stream tag', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const ref = parseReference(`quay.io/openshift/ci@${digest}`);
    expect(ref.imageStreamTag).toBeNull();
    expect(ref.qciTag).toBeNull();
    expect(pullSpecFor(ref)).toBe(`${PROXY}@${digest}`);
  });

  it('a QCI pull spec with a tag and a digest is the digest, as podman reads it, with a word that the tag is not used', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const ref = parseReference(`${PROXY}:ocp_4.7_cli@${digest}`);
    expect(ref.digest).toBe(digest);
    expect(ref.qciTag).toBeNull();
    expect(pullSpecFor(ref)).toBe(`${PROXY}@${digest}`);
    expect(ref.warnings).toEqual([
      'the digest names the image; the tag ocp_4.7_cli is not used',
    ]);
  });

  it('reports an ambiguous reverse mapping instead of guessing', () => {
    const ref = parseReference(
      'quay.io/openshift/ci:ocp_release_payload_images',
    );
    expect(ref.imageStreamTag).toBeNull();
    expect(ref.candidates).toEqual([
      { namespace: 'ocp', name: 'release', tag: 'payload_images' },
      { namespace: 'ocp', name: 'release_payload', tag: 'images' },
    ]);
    expect(ref.warnings[0]).toMatch(
      /ambiguous.*ocp\/release:payload_images or ocp\/release_payload:images/,
    );
    expect(pullSpecFor(ref)).toBe(`${PROXY}:ocp_release_payload_images`);
  });
});

describe('"-quay" image streams (ci-tools promote.go quayProxyTagFromISKey)', () => {
  // input, QCI tag, the image stream tag it is served from (null: none other), the "-quay" stream of its QCI tag
  const cases: [string, string, string | null, string | null][] = [
    ['ocp/4.23-quay:cli', 'ocp_4.23_cli', 'ocp/4.23:cli', 'ocp/4.23-quay:cli'],
    [
      'registry.ci.openshift.org/ocp/4.23-quay:cli',
      'ocp_4.23_cli',
      'ocp/4.23:cli',
      'ocp/4.23-quay:cli',
    ],
    [
      'registry.svc.ci.openshift.org/ocp/4.21-quay:ovn-kubernetes-base',
      'ocp_4.21_ovn-kubernetes-base',
      'ocp/4.21:ovn-kubernetes-base',
      'ocp/4.21-quay:ovn-kubernetes-base',
    ],
    [
      'ocp/5.0-quay:ansible',
      'ocp_5.0_ansible',
      'ocp/5.0:ansible',
      'ocp/5.0-quay:ansible',
    ],
    // Any namespace, as ci-tools' "ci/ci-quay:${component}" case shows.
    ['ci/ci-quay:latest', 'ci_ci_latest', 'ci/ci:latest', 'ci/ci-quay:latest'],
    [
      'ocp-priv/4.23-quay:cli',
      'ocp-priv_4.23_cli',
      'ocp-priv/4.23:cli',
      'ocp-priv/4.23-quay:cli',
    ],
    // Not a "-quay" stream: the suffix is matched as written, and must follow a name.
    ['ocp/4.23:cli', 'ocp_4.23_cli', null, 'ocp/4.23-quay:cli'],
    ['ocp/4.23-QUAY:cli', 'ocp_4.23-QUAY_cli', null, 'ocp/4.23-QUAY-quay:cli'],
    ['ocp/quay:cli', 'ocp_quay_cli', null, 'ocp/quay-quay:cli'],
    [
      'ocp/4.23-quay-x:cli',
      'ocp_4.23-quay-x_cli',
      null,
      'ocp/4.23-quay-x-quay:cli',
    ],
    // The reverse mapping: a QCI tag names the stream, and its "-quay" stream maps there too.
    [
      'quay.io/openshift/ci:ocp_4.23_cli',
      'ocp_4.23_cli',
      null,
      'ocp/4.23-quay:cli',
    ],
    [
      'quay.io/openshift/ci:ocp_release_payload_images',
      'ocp_release_payload_images',
      null,
      null,
    ],
  ];
  it.each(cases)('%s → %s', (input, qciTag, servedFrom, quayStream) => {
    const ref = parseReference(input);
    expect(ref.qciTag).toBe(qciTag);
    expect(pullSpecFor(ref)).toBe(`${PROXY}:${qciTag}`);
    const note = ref.warnings.find((w) => w.includes('"-quay" image stream'));
    if (servedFrom) expect(note).toContain(`${qciTag} (${servedFrom})`);
    else expect(note).toBeUndefined();
    const stream = quayStreamFor(ref);
    expect(stream && `${stream.namespace}/${stream.name}:${stream.tag}`).toBe(
      quayStream,
    );
  });

  it('a "-quay" stream alone is not a name', () => {
    expect(() => parseReference('ocp/-quay:cli')).toThrow(ReferenceError);
  });

  it('its QCI tag reads back as the stream it is served from', () => {
    const back = parseReference(
      pullSpecFor(parseReference('ocp/4.23-quay:cli')),
    );
    expect(back.imageStreamTag).toEqual({
      namespace: 'ocp',
      name: '4.23',
      tag: 'cli',
    });
  });

  it('an ambiguous QCI tag of a "-quay" stream names the other readings, not the stream itself', () => {
    const ref = parseReference('ocp/release_payload-quay:images');
    expect(ref.qciTag).toBe('ocp_release_payload_images');
    expect(ref.warnings.join('\n')).toMatch(
      /also reads as ocp\/release:payload_images$/m,
    );
  });
});

describe('upper case, as ci-tools writes it (QuayImage joins NS_NAME_TAG as written)', () => {
  // input, QCI tag, note
  const cases: [string, string, RegExp | null][] = [
    // openshift/release ci-operator/config/Azure/ARO-HCP/Azure-ARO-HCP-main.yaml:
    // binary_build_commands, org Azure, repo ARO-HCP → BuildCacheFor keeps the case
    [
      'build-cache/Azure-ARO-HCP:main',
      'build-cache_Azure-ARO-HCP_main',
      /name "Azure-ARO-HCP" has upper case/,
    ],
    // ci-operator/config/ComplianceAsCode/compliance-operator/ComplianceAsCode-compliance-operator-master.yaml:
    // promotion.to[0] namespace ComplianceAsCode, name "4.17"
    [
      'ComplianceAsCode/4.17:compliance-operator',
      'ComplianceAsCode_4.17_compliance-operator',
      /namespace "ComplianceAsCode" has upper case/,
    ],
    [
      'registry.ci.openshift.org/ComplianceAsCode/4.17:compliance-operator',
      'ComplianceAsCode_4.17_compliance-operator',
      /upper case/,
    ],
    [
      'quay.io/openshift/ci:build-cache_Azure-ARO-HCP_main',
      'build-cache_Azure-ARO-HCP_main',
      null,
    ],
    ['ocp/4.7:cli', 'ocp_4.7_cli', null],
  ];
  it.each(cases)('%s → %s', (input, qciTag, note) => {
    const ref = parseReference(input);
    expect(ref.qciTag).toBe(qciTag);
    const notes = ref.warnings.filter((w) => w.includes('upper case'));
    if (note) {
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(note);
      // Never an invented lower-cased name.
      expect(notes[0]).not.toContain(qciTag.toLowerCase());
    } else expect(notes).toEqual([]);
  });

  it('the wrong quay-proxy NS/NAME:TAG form seen in project docs: QCI is one repository; the meant pull spec', () => {
    // Seen in a real project's docs: the proxy serves only openshift/ci.
    const ref = parseReference(
      'quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests:latest',
    );
    expect(ref.kind).toBe('qci-proxy-path');
    expect(pullSpecFor(ref)).toBe(
      'quay-proxy.ci.openshift.org/openshift/ci:aro-hcp_aro-hcp-e2e-tests_latest',
    );
    expect(ref.warnings.join()).toContain(
      'serves only the single repository openshift/ci',
    );
    // quay.io holds many repositories: there a different one stays an error.
    expect(() =>
      parseReference('quay.io/aro-hcp/aro-hcp-e2e-tests:latest'),
    ).toThrow(/single repository openshift\/ci/);
  });

  it('reads an upper-case QCI tag back', () => {
    expect(
      parseReference(
        'quay.io/openshift/ci:ComplianceAsCode_4.17_compliance-operator',
      ).imageStreamTag,
    ).toEqual({
      namespace: 'ComplianceAsCode',
      name: '4.17',
      tag: 'compliance-operator',
    });
  });
});

describe('parseReference: rejections say which part is wrong and why', () => {
  const long = 'x'.repeat(121); // ocp_foo_ + 121 = 129 characters, one over the limit
  // input, part, words the message must contain
  const cases: [string, string, string][] = [
    ['', 'reference', 'empty'],
    ['ocp/4.7', 'tag', 'missing tag'],
    ['registry.ci.openshift.org/ocp/4.7', 'tag', 'missing tag'],
    ['ocp/4.7:', 'tag', 'tag is empty'],
    ['my_ns/foo:latest', 'namespace', 'contains "_"'],
    ['-ocp/foo:latest', 'namespace', 'not valid'],
    [
      `${'a'.repeat(64)}/foo:latest`,
      'namespace',
      '64 characters; the limit is 63',
    ],
    ['ocp/foo--bar:latest', 'name', 'not valid'],
    ['ocp/foo:.hidden', 'tag', 'not valid'],
    ['ocp/foo:bad tag', 'reference', 'spaces'],
    ['ocp/foo:a$b', 'tag', 'not valid'],
    [`ocp/foo:${'t'.repeat(129)}`, 'tag', '129 characters'],
    [`ocp/foo:${long}`, 'qci-tag', '129 characters'],
    [`ocp/4.7@sha256:${'a'.repeat(64)}`, 'digest', 'has no QCI tag'],
    [
      `registry.ci.openshift.org/ocp/4.7@sha256:${'a'.repeat(64)}`,
      'digest',
      'has no QCI tag',
    ],
    ['ocp/4.7@sha256:xyz', 'digest', 'not a digest'],
    ['foo:latest', 'reference', 'got 1 part'],
    ['a/b/c:latest', 'reference', 'got 3 parts'],
    [
      'docker.io/library/busybox:latest',
      'registry',
      'not a QCI or OpenShift CI registry',
    ],
    [
      'quay.io/openshift/origin:latest',
      'reference',
      'single repository openshift/ci',
    ],
    ['quay.io/openshift/ci', 'qci-tag', 'missing tag'],
    ['quay.io/openshift/ci:latest', 'qci-tag', 'does not read as NS_NAME_TAG'],
    [
      'quay.io/openshift/ci:20240101000000_prune_ocp_4.7_cli',
      'qci-tag',
      'pruning copy of ocp_4.7_cli',
    ],
    // Pasted as a URL: named as typed, the scheme noted.
    [
      'https://',
      'reference',
      'invalid reference "https://": nothing after https://',
    ],
    [
      'https://ocp/4.7/cli',
      'reference',
      'invalid reference "https://ocp/4.7/cli": expected NS/NAME:TAG (two path parts), got 3 parts (read without https://)',
    ],
  ];
  it.each(cases)('%j', (input, part, words) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ReferenceError);
    const error = caught as ReferenceError;
    expect(error.part).toBe(part);
    expect(error.message).toContain(words);
    expect(error.exitCode).toBe(2);
  });

  it('keeps control characters and huge inputs out of its messages', () => {
    const hostile = `ocp/\u001b[31mred:${'x'.repeat(5000)}`;
    const error = (() => {
      try {
        parseReference(hostile);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error?.message).not.toContain('\u001b');
    expect(error?.message.length).toBeLessThan(600);
  });
});

// Generators for valid image stream tags, by the rules of ci-tools pkg/api/promotion.go
// (namespace: a DNS-1123 label; name: a lowercase path component; tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}).
const alnum = fc.constantFrom(
  ...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''),
);
const namespaceArb = fc
  .tuple(
    alnum,
    fc.string({
      unit: fc.constantFrom(
        ...'abcdefghijklmnopqrstuvwxyz0123456789-'.split(''),
      ),
      maxLength: 20,
    }),
    alnum,
  )
  .map(([a, mid, b]) => `${a}${mid}${b}`);
const nameArb = fc
  .array(fc.string({ unit: alnum, minLength: 1, maxLength: 8 }), {
    minLength: 1,
    maxLength: 4,
  })
  .chain((words) =>
    fc
      .array(fc.constantFrom('.', '_', '-'), {
        minLength: words.length - 1,
        maxLength: words.length - 1,
      })
      .map((seps) =>
        words.map((w, i) => (i === 0 ? w : `${seps[i - 1]}${w}`)).join(''),
      ),
  );
/** Image stream names, a quarter of them "-quay" streams. */
const quayableNameArb = fc
  .tuple(nameArb, fc.boolean(), fc.boolean())
  .map(([name, a, b]) => (a && b ? `${name}-quay` : name));
const tagArb = fc
  .tuple(
    fc.constantFrom(...'abcXYZ019_'.split('')),
    fc.string({
      unit: fc.constantFrom(...'abcXYZ019_.-'.split('')),
      maxLength: 30,
    }),
  )
  .map(([a, rest]) => `${a}${rest}`);

describe('properties', () => {
  it('pull spec → reverse mapping gives back the same image stream tag (among the candidates when ambiguous)', () => {
    fc.assert(
      fc.property(
        namespaceArb,
        quayableNameArb,
        tagArb,
        (namespace, name, tag) => {
          const ref = parseReference(`${namespace}/${name}:${tag}`);
          const back = parseReference(pullSpecFor(ref));
          // A "-quay" stream maps back to the stream it is served from.
          const ist = { namespace, name, tag };
          const served = quayStreamSource(ist) ?? ist;
          expect(back.qciTag).toBe(qciTagForImageStreamTag(ist));
          expect(back.qciTag).toBe(qciTagFor(served));
          expect(back.candidates).toContainEqual(served);
          if (back.candidates.length === 1)
            expect(back.imageStreamTag).toEqual(served);
          else expect(back.imageStreamTag).toBeNull();
          // Without "_" in name and tag the mapping is never ambiguous.
          if (!served.name.includes('_') && !tag.includes('_'))
            expect(back.candidates).toHaveLength(1);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('random strings never crash the parser: they parse or get a ReferenceError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: fc.constantFrom(...'ab_/:.@-Aq1 '.split('')) }),
          fc.string({ unit: 'binary' }),
        ),
        (input) => {
          try {
            const ref = parseReference(input);
            expect(pullSpecFor(ref)).toMatch(
              /^quay-proxy\.ci\.openshift\.org\/openshift\/ci[:@]/,
            );
          } catch (error) {
            expect(error).toBeInstanceOf(ReferenceError);
            expect((error as Error).message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('every candidate of a QCI tag rebuilds that QCI tag', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(...'ab_.-1'.split('')),
          maxLength: 20,
        }),
        (tag) => {
          for (const c of imageStreamTagsForQciTag(tag))
            expect(qciTagFor(c)).toBe(tag);
        },
      ),
    );
  });
});

describe('release payloads (release-controller ReleasePullSpec, ReferencePayloadTag)', () => {
  const CI = '4.18.0-0.ci-2026-11-20-101010';
  // input, QCI tag, a warning that must appear (null: none)
  const cases: [string, string, string | null][] = [
    [
      `registry.ci.openshift.org/ocp/release:${CI}`,
      `rc_payload__${CI}`,
      'a CI release payload: QCI holds it as rc_payload__',
    ],
    [
      `registry.svc.ci.openshift.org/ocp/release:${CI}`,
      `rc_payload__${CI}`,
      'a CI release payload',
    ],
    [`${PROXY}:rc_payload__${CI}`, `rc_payload__${CI}`, null],
    [`quay.io/openshift/ci:rc_payload__${CI}`, `rc_payload__${CI}`, null],
  ];
  it.each(cases)('%s → %s', (input, qciTag, warning) => {
    const ref = parseReference(input);
    expect(ref.qciTag).toBe(qciTag);
    expect(pullSpecFor(ref)).toBe(`${PROXY}:${qciTag}`);
    // A release, not an image stream tag: nothing to name as NS/NAME:TAG.
    expect(ref.imageStreamTag).toBeNull();
    expect(ref.candidates).toEqual([]);
    if (warning) expect(ref.warnings.join('\n')).toContain(warning);
    else expect(ref.warnings).toEqual([]);
  });

  it.each([
    'registry.ci.openshift.org/ocp/release:4.18.0-0.nightly-2026-11-20-000000',
    'registry.ci.openshift.org/ocp/release:latest',
    'registry.ci.openshift.org/origin/release:4.18',
  ])('%s: not in QCI, and qci release is named to find it', (input) => {
    const error = (() => {
      try {
        parseReference(input);
      } catch (e) {
        return e as ReferenceError;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(ReferenceError);
    expect(error.message).toContain('a release payload QCI does not hold');
    expect(error.hint).toMatch(/^qci release \S+ says where a payload is/);
  });

  it('an rc_payload__ tag maps back to no image stream tag', () =>
    expect(imageStreamTagsForQciTag(`rc_payload__${CI}`)).toEqual([]));
});

/** Finding old CI registry references in text and mapping them to QCI: one line per case. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyRewrites,
  asValuesIn,
  findRegistryReferences,
  isMappingTable,
  isTestData,
} from '../../src/core/rewrite.js';
import { parseReference, pullSpecFor } from '../../src/core/reference.js';

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
      // a CI payload: QCI holds it as rc_payload__<name> (openshift/release-controller ReleasePullSpec)
      'RELEASE_IMAGE=registry.ci.openshift.org/ocp/release:4.18.0-0.ci-2026-11-20-101010',
      'registry.ci.openshift.org/ocp/release:4.18.0-0.ci-2026-11-20-101010',
      'a CI release payload',
      `${Q}:rc_payload__4.18.0-0.ci-2026-11-20-101010`,
    ],
    [
      'oc adm release info registry.svc.ci.openshift.org/ocp/release:4.12.0-0.ci-arm64-2023-01-01-000000',
      'registry.svc.ci.openshift.org/ocp/release:4.12.0-0.ci-arm64-2023-01-01-000000',
      'not those made before the move',
      `${Q}:rc_payload__4.12.0-0.ci-arm64-2023-01-01-000000`,
    ],
    [
      // a nightly is not in QCI: no suggestion
      'RELEASE_IMAGE=registry.ci.openshift.org/ocp/release:4.18.0-0.nightly-2026-11-20-101010',
      'registry.ci.openshift.org/ocp/release:4.18.0-0.nightly-2026-11-20-101010',
      'release payload',
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

describe('only what is a pull: real lines from public sources', () => {
  // file, line, the reference found, null (rewritten) or words of the review reason
  const cases: [string, string, string, string | null][] = [
    [
      // openshift/ci-docs content/en/architecture/ci-operator.md (cluster-etcd-operator example)
      'ci-operator/config/openshift/cluster-etcd-operator/x.yaml',
      '      as:\n      - registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.15-openshift-4.6',
      'registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.15-openshift-4.6',
      'inputs.<name>.as',
    ],
    [
      // openshift/release ci-operator config shape: inputs.<name>.as on one line
      'ci-operator/config/org/repo/org-repo-main.yaml',
      '      as: [registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.24-openshift-4.19]',
      'registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.24-openshift-4.19',
      'inputs.<name>.as',
    ],
    [
      // the Dockerfile of that example, without its config in the tree: an ocp/builder FROM is
      // rewritten. ci-tools pkg/dockerfile/extract.go (RegistryRegex, OrgRepoTagFromPullString) reads
      // the QCI form as the same ocp/builder tag, and cmd/registry-replacer/main.go
      // pruneOCPBuilderReplacements leaves no ocp/builder as: entry that picks another image.
      'Dockerfile.rhel7',
      'FROM registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.15-openshift-4.6 AS builder',
      'registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.15-openshift-4.6',
      null,
    ],
    [
      // the wrong proxy form in project docs (Azure/ARO-HCP README): rewritten as qci pullspec answers it
      'docs/e2e.md',
      '    podman pull quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests:latest',
      'quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests:latest',
      null,
    ],
    [
      'docs/e2e.md',
      'Pull quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests:latest first.',
      'quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests:latest',
      'prose',
    ],
    [
      'hack/e2e.sh',
      'podman pull quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests',
      'quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests',
      'no tag',
    ],
    [
      'hack/e2e.sh',
      'podman pull quay-proxy.ci.openshift.org/${NS}/e2e-tests:latest',
      'quay-proxy.ci.openshift.org/${NS}/e2e-tests:latest',
      'templated',
    ],
    [
      // the same FROM in a script is a pull and is rewritten
      'hack/build.sh',
      'podman pull registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.15-openshift-4.6',
      'registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.15-openshift-4.6',
      null,
    ],
    [
      // openshift-eng/art-tools doozer (find_string "openshift-{MAJOR}.{MINOR}", file id 1124648604)
      'doozerlib/cli/images_streams.py',
      '        # split a pullspec like registry.svc.ci.openshift.org/ocp/builder:rhel-8-golang-openshift-{MAJOR}.{MINOR}.art',
      'registry.svc.ci.openshift.org/ocp/builder:rhel-8-golang-openshift-{MAJOR}.{MINOR}.art',
      'templated',
    ],
    [
      // ci-tools pkg/steps/release/promote_test.go:1106 (at 52352cd): a map key whose value is its QCI form
      'pkg/controller/promotionreconciler/mirror.go',
      '\t\t\t\t"registry.ci.openshift.org/ocp/4.22-quay:vertical-pod-autoscaler": "quay-proxy.ci.openshift.org/openshift/ci:ocp_4.22_vertical-pod-autoscaler",',
      'registry.ci.openshift.org/ocp/4.22-quay:vertical-pod-autoscaler',
      'names the QCI form too',
    ],
    [
      // openshift/release ComplianceAsCode-compliance-operator-master.yaml: a nightly payload
      'ci-operator/config/ComplianceAsCode/compliance-operator/x.yaml',
      '      CUSTOM_OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE: registry.ci.openshift.org/ocp/release-5:5.0.0-0.nightly-2026-09-09-111616',
      'registry.ci.openshift.org/ocp/release-5:5.0.0-0.nightly-2026-09-09-111616',
      'release payload',
    ],
    [
      // a job log quoted in docs: "Resolved release latest to registry.ci.openshift.org/origin/release:4.8.0-0.okd-…"
      'docs/log.txt',
      'INFO[2021-12-10T14:28:50Z] Resolved release latest to registry.ci.openshift.org/origin/release:4.8.0-0.okd-2021-12-10-122104',
      'registry.ci.openshift.org/origin/release:4.8.0-0.okd-2021-12-10-122104',
      'release payload',
    ],
    [
      'docs/payloads.md',
      '`registry.ci.openshift.org/ocp/release:4.11.0-0.nightly-...`',
      'registry.ci.openshift.org/ocp/release:4.11.0-0.nightly-...',
      'release payload',
    ],
    [
      'docs/qci.md',
      '`registry.ci.openshift.org/ci/x:1` is available as `quay.io/openshift/ci:ci_x_1`.',
      'registry.ci.openshift.org/ci/x:1',
      'names the QCI form too',
    ],
    [
      'docs/qci.md',
      'Images used to be pulled from registry.ci.openshift.org/ocp/4.18:cli directly.',
      'registry.ci.openshift.org/ocp/4.18:cli',
      'prose',
    ],
    [
      'docs/qci.md',
      'Pull `registry.ci.openshift.org/ocp/4.18:cli` like this.',
      'registry.ci.openshift.org/ocp/4.18:cli',
      'inline code in prose',
    ],
    [
      'docs/x.adoc',
      'See +registry.ci.openshift.org/ocp/4.18:cli+ here.',
      'registry.ci.openshift.org/ocp/4.18:cli',
      'inline code in prose',
    ],
    [
      // openshift/ci-docs content/en/architecture/ci-operator.md: a sentence about what ci-operator does
      'content/en/architecture/ci-operator.md',
      "The Dockerfile's `FROM registry.ci.openshift.org/ocp/builder:golang-1.13` is automatically detected.",
      'registry.ci.openshift.org/ocp/builder:golang-1.13',
      'inline code in prose',
    ],
    [
      // openshift/ci-docs content/en/architecture/images.md:49
      'content/en/architecture/images.md',
      '* `registry.ci.openshift.org/ocp/4.6:base` is replaced by the image named `base`, which is imported in `base_images` from `registry.ci.openshift.org/ocp/4.6:base`.',
      'registry.ci.openshift.org/ocp/4.6:base',
      'inline code in prose',
    ],
    [
      'docs/x.adoc',
      'The image `registry.ci.openshift.org/ocp/4.18:cli` was used.',
      'registry.ci.openshift.org/ocp/4.18:cli',
      'inline code in prose',
    ],
    [
      // fenced and indented code blocks are rewritten as before
      'docs/qci.md',
      '```\npodman pull registry.ci.openshift.org/ocp/4.18:cli\n```',
      'registry.ci.openshift.org/ocp/4.18:cli',
      null,
    ],
    [
      'docs/qci.md',
      '    podman pull registry.ci.openshift.org/ocp/4.18:cli',
      'registry.ci.openshift.org/ocp/4.18:cli',
      null,
    ],
    [
      'docs/x.adoc',
      '----\npodman pull registry.ci.openshift.org/ocp/4.18:cli\n----',
      'registry.ci.openshift.org/ocp/4.18:cli',
      null,
    ],
    [
      // code files have no inline code: backticks there are shell command substitution or Go raw strings
      'hack/x.sh',
      'img=`echo registry.ci.openshift.org/ocp/4.18:cli`',
      'registry.ci.openshift.org/ocp/4.18:cli',
      null,
    ],
    [
      // <tag>-style placeholders are templates, as {TAG} and ${TAG} are
      'docs/qci.md',
      '```\noc adm release info registry.ci.openshift.org/ocp/release:<tag>\n```',
      'registry.ci.openshift.org/ocp/release:<tag>',
      'templated',
    ],
    [
      'hack/x.sh',
      'podman pull registry.ci.openshift.org/ocp/<stream>:latest',
      'registry.ci.openshift.org/ocp/<stream>:latest',
      'templated',
    ],
    [
      'hack/x.sh',
      'podman pull registry.svc.ci.openshift.org/<namespace>/<image name>:<tag>',
      'registry.svc.ci.openshift.org/<namespace>/<image name>:<tag>',
      'templated',
    ],
    [
      'hack/x.sh',
      'podman pull registry.ci.openshift.org/ocp/4.18:cli-<arch>',
      'registry.ci.openshift.org/ocp/4.18:cli-<arch>',
      'templated',
    ],
    [
      // HTML right after a reference is no placeholder: the reference ends before it
      'docs/table.md',
      '```\nregistry.ci.openshift.org/ci/foo:latest<br>\n```',
      'registry.ci.openshift.org/ci/foo:latest',
      null,
    ],
    [
      'docs/x.adoc',
      'Old: registry.ci.openshift.org/ocp/4.18:cli.',
      'registry.ci.openshift.org/ocp/4.18:cli',
      'prose',
    ],
    [
      'talk.tex',
      '\\texttt{registry.ci.openshift.org/ocp/4.18:cli}',
      'registry.ci.openshift.org/ocp/4.18:cli',
      null,
    ],
    [
      'talk.tex',
      'the registry.ci.openshift.org/ocp/4.18:cli image',
      'registry.ci.openshift.org/ocp/4.18:cli',
      'prose',
    ],
    [
      'x.go',
      'fmt.Sprintf("registry.ci.openshift.org/ocp/%s:cli", v)',
      'registry.ci.openshift.org/ocp/%s:cli',
      'templated',
    ],
    [
      'x.sh',
      'img=registry.ci.openshift.org/ocp/4.18:tests…',
      'registry.ci.openshift.org/ocp/4.18:tests…',
      'templated',
    ],
  ];
  it.each(cases)('%s: %s', (path, line, reference, why) => {
    const bytes = Buffer.from(`${line}\n`).toString('latin1');
    const [ref] = findRegistryReferences(bytes, undefined, { path });
    expect(Buffer.from(ref!.reference, 'latin1').toString()).toBe(reference);
    if (why === null) expect(ref!.replacement).not.toBeNull();
    else {
      expect(ref!.replacement).toBeNull();
      expect(ref!.reason).toContain(why);
    }
  });

  it('fenced and highlight blocks in Markdown are code; the as: list inside stays review', () => {
    const md = [
      'Text about registry.ci.openshift.org/ocp/4.18:cli.',
      '```yaml',
      'image: registry.ci.openshift.org/ocp/4.18:cli',
      'inputs:',
      '  bin:',
      '    as:',
      '    - registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.20-openshift-4.14',
      '```',
      '{{< highlight yaml >}}',
      'image: registry.ci.openshift.org/ocp/4.18:tools',
      '{{< /highlight >}}',
      '',
    ].join('\n');
    const refs = findRegistryReferences(md, undefined, { path: 'a.md' });
    expect(refs.map((r) => r.replacement === null)).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('a FROM named by an as: value elsewhere in the tree is paired; others are pulls', () => {
    const text =
      'FROM registry.ci.openshift.org/ocp/4.18:base\nFROM registry.ci.openshift.org/ci/tools:1\n';
    const asValues = new Set(['registry.ci.openshift.org/ocp/4.18:base']);
    const refs = findRegistryReferences(text, undefined, {
      path: 'images/Dockerfile',
      asValues,
    });
    expect(refs[0]!.reason).toContain('inputs.<name>.as entry in this tree');
    expect(refs[1]!.replacement).toBe(`${Q}:ci_tools_1`);
    expect(
      asValuesIn(
        'images:\n- inputs:\n    root:\n      as:\n      - registry.ci.openshift.org/ocp/4.18:base\n',
      ),
    ).toEqual(['registry.ci.openshift.org/ocp/4.18:base']);
  });

  it('the wrong proxy form becomes what qci pullspec answers; QCI references are left alone', () => {
    const text = [
      'podman pull quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests:latest',
      `podman pull ${Q}:ocp_4.7_base`,
      `podman pull quay-proxy.ci.openshift.org/openshift/ci@${DIGEST}`,
      'podman login quay-proxy.ci.openshift.org',
      'podman pull quay-proxy.ci.openshift.org/Azure/ARO-HCP:v1',
      '',
    ].join('\n');
    const refs = findRegistryReferences(text, undefined, { path: 'x.sh' });
    expect(refs.map((r) => [r.reference, r.replacement])).toEqual([
      [
        'quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests:latest',
        pullSpecFor(
          parseReference(
            'quay-proxy.ci.openshift.org/aro-hcp/aro-hcp-e2e-tests:latest',
          ),
        ),
      ],
      ['quay-proxy.ci.openshift.org/Azure/ARO-HCP:v1', `${Q}:Azure_ARO-HCP_v1`],
    ]);
    expect(refs[0]!.replacement).toBe(`${Q}:aro-hcp_aro-hcp-e2e-tests_latest`);
    expect(applyRewrites(text, refs)).toContain(
      `podman pull ${Q}:aro-hcp_aro-hcp-e2e-tests_latest\n`,
    );
  });

  it('an ocp/builder FROM and the as: naming it in one tree: neither is rewritten', () => {
    const from =
      'registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.22-openshift-4.17';
    const config = `images:\n- from: base\n  inputs:\n    ocp_builder_x:\n      as:\n      - ${from}\n  to: x\n`;
    const asValues = new Set(asValuesIn(config));
    const [fromRef] = findRegistryReferences(
      `FROM ${from} AS builder\n`,
      undefined,
      { path: 'Dockerfile', asValues },
    );
    expect(fromRef!.replacement).toBeNull();
    expect(fromRef!.reason).toContain('change the FROM and its as: entry');
    const [asRef] = findRegistryReferences(config, undefined, {
      path: 'ci-operator/config/o/r/o-r-main.yaml',
      asValues,
    });
    expect(asRef!.replacement).toBeNull();
    expect(asRef!.reason).toContain('inputs.<name>.as');
  });

  it('test data paths', () => {
    for (const path of [
      'pkg/api/promotion_test.go',
      'test/integration/testdata/zz_fixture_x.yaml',
      'pkg/x/fixtures/a.json',
      'test/e2e/golden/out.yaml',
    ])
      expect(isTestData(path), path).toBe(true);
    for (const path of [
      'pkg/api/promotion.go',
      'docs/test.md',
      'test/e2e/run.sh',
    ])
      expect(isTestData(path), path).toBe(false);
  });
});

describe('test data by content: every reference paired with its QCI form in the file', () => {
  // path, file text, is it a mapping table
  const cases: [string, string, boolean][] = [
    [
      // openshift/ci-tools pkg/controller/quay_io_ci_images_distributor/qci_to_appci_test.go:105-110
      // (at 52352cd): consts pairing each QCI tag with its app.ci name, on different lines
      'pkg/distributor/cases.go',
      [
        '\tconst (',
        '\t\tsrc   = "quay-proxy.ci.openshift.org/openshift/ci:ci_foo_latest"',
        '\t\tdest  = "registry.ci.openshift.org/ci/foo:latest"',
        '\t\tsrc2  = "quay-proxy.ci.openshift.org/openshift/ci:ci_bar_latest"',
        '\t\tdest2 = "registry.ci.openshift.org/ci/bar:latest"',
        '\t)',
      ].join('\n'),
      true,
    ],
    [
      // ci-tools pkg/steps/release/promote_test.go:1105-1107: expected map, key and value on one line
      'pkg/release/cases.go',
      '\t\t\texpected: map[string]string{\n\t\t\t\t"registry.ci.openshift.org/ocp/4.22:vertical-pod-autoscaler": "quay-proxy.ci.openshift.org/openshift/ci:ocp_4.22_vertical-pod-autoscaler",\n\t\t\t},',
      true,
    ],
    [
      // the same map as gofmt keeps it when the key is long: the value on the next line
      'pkg/release/cases.go',
      '\texpected: map[string]string{\n\t\t"registry.ci.openshift.org/ocp/4.22:vertical-pod-autoscaler":\n\t\t\t"quay-proxy.ci.openshift.org/openshift/ci:ocp_4.22_vertical-pod-autoscaler",\n\t},',
      true,
    ],
    [
      // ci-tools table-test shape (pkg/dockerfile/inputs_test.go: name, input, expected fields), with
      // the direct quay.io form as the expected value
      'pkg/x/cases.go',
      '\t{\n\t\tname:     "svc registry",\n\t\tinput:    "registry.svc.ci.openshift.org/ocp/4.7:base",\n\t\texpected: "quay.io/openshift/ci:ocp_4.7_base",\n\t},',
      true,
    ],
    [
      // a YAML fixture shaped like ci-images-mirror's config (cmd/ci-images-mirror/README.md):
      // source and destination on adjacent lines
      'hack/mirror-cases.yaml',
      '- source: registry.ci.openshift.org/ci/foo:latest\n  destination: quay.io/openshift/ci:ci_foo_latest\n',
      true,
    ],
    [
      // one pair and one plain pull: the pull must still be rewritten, so not a table
      'pkg/x/cases.go',
      '"registry.ci.openshift.org/ci/foo:latest",\n"quay.io/openshift/ci:ci_foo_latest",\npull("registry.ci.openshift.org/ci/bar:latest")',
      false,
    ],
    [
      // a longer QCI tag is not the pair (ci_foo_latest-2 is another image)
      'pkg/x/cases.go',
      '"registry.ci.openshift.org/ci/foo:latest"\n"quay.io/openshift/ci:ci_foo_latest-2"',
      false,
    ],
    [
      // a digest pin has no QCI tag to pair with
      'pkg/x/cases.go',
      `"registry.ci.openshift.org/ocp-priv/4.9@${DIGEST}"\n"quay.io/openshift/ci:ocp-priv_4.9_telemeter"`,
      false,
    ],
    [
      // prose and Dockerfiles keep their line rules (ci-images-mirror README explains the mapping)
      'README.md',
      '`registry.ci.openshift.org/ci/foo:latest`\n\nis mirrored to `quay.io/openshift/ci:ci_foo_latest`',
      false,
    ],
    [
      'images/Dockerfile',
      '# was quay-proxy.ci.openshift.org/openshift/ci:ocp_4.18_base\nFROM registry.ci.openshift.org/ocp/4.18:base\n',
      false,
    ],
    ['pkg/x/none.go', 'package x\n', false],
  ];
  it.each(cases)('%s: %s', (path, text, table) => {
    const refs = findRegistryReferences(text, undefined, { path });
    expect(isMappingTable(text, refs, path)).toBe(table);
  });
});

describe('a reference that runs on into a letter outside ASCII', () => {
  // Files are scanned as latin1, one character a byte, as files/rewrite.ts reads them.
  const asScanned = (text: string) =>
    Buffer.from(text, 'utf8').toString('latin1');
  it.each([
    ['FROM registry.ci.openshift.org/ocp/4.7:cliüber\n', 'review'],
    ['FROM registry.ci.openshift.org/ocp/4.7:cli\u0663\n', 'review'],
    ['see registry.ci.openshift.org/ocp/4.7:cli。\n', 'rewrite'],
    ['FROM registry.ci.openshift.org/ocp/4.7:cli — the base\n', 'rewrite'],
  ])('%j: %s', (text, verdict) => {
    const [ref] = findRegistryReferences(asScanned(text), undefined, {
      path: 'Dockerfile',
    });
    expect(ref?.replacement === null ? 'review' : 'rewrite').toBe(verdict);
    if (verdict === 'review')
      expect(ref?.reason).toContain('runs on into a letter no tag can hold');
  });
});

describe('an as: flow list, however long its line', () => {
  it('every item is an as: value, the sixth (past 256 characters) as the first', () => {
    const items = Array.from(
      { length: 8 },
      (_, i) =>
        `"registry.ci.openshift.org/ocp/4.${i}:base-machine-os-content"`,
    );
    const text = `  as: [${items.join(', ')}]\n`;
    const refs = findRegistryReferences(text, undefined, {
      path: 'ci-operator/config/o/r/o-r-main.yaml',
    });
    expect(refs).toHaveLength(8);
    expect(refs[5]!.column).toBeGreaterThan(256);
    for (const ref of refs) {
      expect(ref.replacement).toBeNull();
      expect(ref.reason).toContain('an inputs.<name>.as value');
    }
  });
});

/**
 * Which QCI tags a ci-operator config publishes: one real-shaped config per rule of
 * ci-tools pkg/steps/release/promote.go,
 * with the pull specs written out by hand.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  COMMIT_PLACEHOLDER,
  commitProblem,
  formatPath,
  looksLikeCiOperatorConfig,
  metadataFromPath,
  promotedImages,
  type PromotionOptions,
} from '../../src/core/promotion.js';

const Q = 'quay-proxy.ci.openshift.org/openshift/ci';
const SHA = '9f3c1d2e4b5a69788796a5b4c3d2e1f0a9b8c7d6';

function run(yamlText: string, options: PromotionOptions = {}) {
  return promotedImages(parse(yamlText, { version: '1.1' }), options);
}
/** "NS/NAME:TAG → pull spec" lines, as qci promoted prints them. */
function lines(yamlText: string, options: PromotionOptions = {}): string[] {
  const report = run(yamlText, options);
  expect(report.problems).toEqual([]);
  return report.promoted.map((p) => `${p.imageStreamTag} → ${p.pullSpec}`);
}
function problems(yamlText: string, options: PromotionOptions = {}): string[] {
  return run(yamlText, options).problems.map(
    (p) => `${formatPath(p.path)}: ${p.message}`,
  );
}

const IMAGES = `
build_root:
  image_stream_tag:
    name: release
    namespace: openshift
    tag: golang-1.22
images:
- dockerfile_path: images/my-component/Dockerfile
  from: base
  to: my-component
- dockerfile_path: images/my-operator/Dockerfile
  from: base
  to: my-operator
- dockerfile_path: images/e2e/Dockerfile
  from: src
  optional: true
  to: my-component-e2e
`;

describe('promotion rules (ci-tools pkg/steps/release/promote.go)', () => {
  // The seed page's two examples: one image, a name target or a tag target.
  it.each([
    [
      'name target: every non-optional image becomes a tag of NS/NAME',
      '  - name: "4.7"\n    namespace: ocp\n',
      `ocp/4.7:my-component → ${Q}:ocp_4.7_my-component`,
    ],
    [
      'tag target: every image becomes a stream NS/<image> with that tag',
      '  - namespace: my-organization\n    tag: latest\n',
      `my-organization/my-component:latest → ${Q}:my-organization_my-component_latest`,
    ],
  ])('%s (the seed page example)', (_name, target, line) => {
    expect(
      lines(`
images:
- dockerfile_path: images/my-component
  from: base
  to: my-component
promotion:
  to:
${target}`),
    ).toEqual([line]);
  });

  it('optional images are not promoted', () => {
    expect(
      lines(
        `${IMAGES}promotion:\n  to:\n  - name: "4.18"\n    namespace: ocp\n`,
      ),
    ).toEqual([
      `ocp/4.18:my-component → ${Q}:ocp_4.18_my-component`,
      `ocp/4.18:my-operator → ${Q}:ocp_4.18_my-operator`,
    ]);
  });

  it('several targets each publish, in both modes; a disabled target publishes nothing', () => {
    const config = `${IMAGES}promotion:
  to:
  - name: "4.18"
    namespace: ocp
  - namespace: my-org
    tag: latest
  - name: "4.17"
    namespace: ocp
    disabled: true
`;
    expect(lines(config)).toEqual([
      `my-org/my-component:latest → ${Q}:my-org_my-component_latest`,
      `my-org/my-operator:latest → ${Q}:my-org_my-operator_latest`,
      `ocp/4.18:my-component → ${Q}:ocp_4.18_my-component`,
      `ocp/4.18:my-operator → ${Q}:ocp_4.18_my-operator`,
    ]);
    expect(
      run(config).targets.map((t) => [t.path, t.disabled, t.promoted]),
    ).toEqual([
      ['promotion.to[0]', false, 2],
      ['promotion.to[1]', false, 2],
      ['promotion.to[2]', true, 0],
    ]);
  });

  it('excluded_images removes the images listed', () => {
    expect(
      lines(`${IMAGES}promotion:
  to:
  - name: "4.18"
    namespace: ocp
    excluded_images:
    - my-operator
`),
    ).toEqual([`ocp/4.18:my-component → ${Q}:ocp_4.18_my-component`]);
  });

  it("excluded_images: ['*'] clears the images, then additional_images still add (ci-tools' cli-ocm case)", () => {
    expect(
      lines(`
images:
- from: cli
  to: cli-ocm
- from: src
  to: cli
promotion:
  to:
  - excluded_images:
    - "*"
    namespace: ci
    name: cli-ocm
    additional_images:
      latest: cli-ocm
  - namespace: ocp
    name: "4.20"
zz_generated_metadata:
  org: openshift
  repo: oc
  branch: master
`),
    ).toEqual([
      `ci/cli-ocm:latest → ${Q}:ci_cli-ocm_latest`,
      `ocp/4.20:cli → ${Q}:ocp_4.20_cli`,
      `ocp/4.20:cli-ocm → ${Q}:ocp_4.20_cli-ocm`,
    ]);
  });

  it('additional_images promote a pipeline tag under a new name (repo-scripts: src)', () => {
    const report = run(`${IMAGES}promotion:
  to:
  - name: "4.18"
    namespace: ocp
    additional_images:
      my-repo-scripts: src
      my-component-e2e: my-component-e2e
`);
    expect(
      report.promoted.map(
        (p) => `${p.imageStreamTag} → ${p.pullSpec} (${p.source}, ${p.kind})`,
      ),
    ).toEqual([
      `ocp/4.18:my-component → ${Q}:ocp_4.18_my-component (my-component, image)`,
      // An optional image can still be promoted explicitly.
      `ocp/4.18:my-component-e2e → ${Q}:ocp_4.18_my-component-e2e (my-component-e2e, additional)`,
      `ocp/4.18:my-operator → ${Q}:ocp_4.18_my-operator (my-operator, image)`,
      `ocp/4.18:my-repo-scripts → ${Q}:ocp_4.18_my-repo-scripts (src, additional)`,
    ]);
  });

  it('tag_by_commit adds NS/<image>:<commit> for the given commit, in both modes', () => {
    const config = `${IMAGES}promotion:
  to:
  - namespace: my-org
    tag: latest
    tag_by_commit: true
  - namespace: ocp
    name: "4.18"
    tag_by_commit: true
`;
    expect(lines(config, { commit: SHA })).toEqual([
      `my-org/my-component:${SHA} → ${Q}:my-org_my-component_${SHA}`,
      `my-org/my-component:latest → ${Q}:my-org_my-component_latest`,
      `my-org/my-operator:${SHA} → ${Q}:my-org_my-operator_${SHA}`,
      `my-org/my-operator:latest → ${Q}:my-org_my-operator_latest`,
      `ocp/4.18:my-component → ${Q}:ocp_4.18_my-component`,
      `ocp/4.18:my-operator → ${Q}:ocp_4.18_my-operator`,
      // ci-tools tags by commit as NS/<image>:<sha> even for a name target.
      `ocp/my-component:${SHA} → ${Q}:ocp_my-component_${SHA}`,
      `ocp/my-operator:${SHA} → ${Q}:ocp_my-operator_${SHA}`,
    ]);
  });

  it('tag_by_commit without a commit shows a placeholder that says so', () => {
    const report = run(
      `${IMAGES}promotion:\n  to:\n  - namespace: my-org\n    tag: latest\n    tag_by_commit: true\n`,
    );
    const placeholders = report.promoted.filter((p) => p.placeholder);
    expect(
      placeholders.map(
        (p) => `${p.imageStreamTag} → ${p.pullSpec} (${p.kind})`,
      ),
    ).toEqual([
      `my-org/my-component:${COMMIT_PLACEHOLDER} → ${Q}:my-org_my-component_<commit-sha> (commit)`,
      `my-org/my-operator:${COMMIT_PLACEHOLDER} → ${Q}:my-org_my-operator_<commit-sha> (commit)`,
    ]);
    expect(report.promoted.filter((p) => !p.placeholder)).toHaveLength(2);
  });

  it('binary_build_commands promotes bin to build-cache/<org>-<repo>:<branch>-<variant>', () => {
    const config = `${IMAGES}binary_build_commands: make build
promotion:
  to:
  - name: "4.18"
    namespace: ocp
zz_generated_metadata:
  org: openshift
  repo: my-repo
  branch: release-4.18
  variant: okd
`;
    const report = run(config);
    expect(report.promoted.find((p) => p.kind === 'build-cache')).toMatchObject(
      {
        imageStreamTag: 'build-cache/openshift-my-repo:release-4.18-okd',
        pullSpec: `${Q}:build-cache_openshift-my-repo_release-4.18-okd`,
        source: 'bin',
        image: 'bin',
        target: null,
      },
    );
    expect(report.promoted).toHaveLength(3);
  });

  it('the build cache without a variant, and not at all with disable_build_cache or without a promotion', () => {
    const meta =
      'zz_generated_metadata:\n  org: openshift\n  repo: my-repo\n  branch: main\n';
    expect(
      lines(
        `${IMAGES}binary_build_commands: make\npromotion:\n  to:\n  - name: "4.18"\n    namespace: ocp\n${meta}`,
      ),
    ).toContain(
      `build-cache/openshift-my-repo:main → ${Q}:build-cache_openshift-my-repo_main`,
    );
    expect(
      lines(
        `${IMAGES}binary_build_commands: make\npromotion:\n  disable_build_cache: true\n  to:\n  - name: "4.18"\n    namespace: ocp\n${meta}`,
      ),
    ).toEqual([
      `ocp/4.18:my-component → ${Q}:ocp_4.18_my-component`,
      `ocp/4.18:my-operator → ${Q}:ocp_4.18_my-operator`,
    ]);
    expect(lines(`${IMAGES}binary_build_commands: make\n${meta}`)).toEqual([]);
  });

  it('the build cache takes org/repo/branch from the openshift/release file name when the metadata is missing', () => {
    const config = `binary_build_commands: make\npromotion:\n  to:\n  - name: "4.18"\n    namespace: ocp\n`;
    expect(
      lines(config, {
        sourcePath:
          'ci-operator/config/openshift/my-repo/openshift-my-repo-release-4.18__okd.yaml',
      }),
    ).toEqual([
      `build-cache/openshift-my-repo:release-4.18-okd → ${Q}:build-cache_openshift-my-repo_release-4.18-okd`,
    ]);
    expect(problems(config, { sourcePath: 'somewhere/config.yaml' })).toEqual([
      expect.stringMatching(
        /^binary_build_commands: ci-operator also promotes bin to build-cache.*zz_generated_metadata is missing/,
      ),
    ]);
  });

  it('images in the items: form', () => {
    expect(
      lines(`
images:
  items:
  - dockerfile_path: Dockerfile
    from: base
    to: my-component
  - dockerfile_path: Dockerfile.e2e
    optional: true
    to: my-e2e
promotion:
  to:
  - name: "4.19"
    namespace: ocp
`),
    ).toEqual([`ocp/4.19:my-component → ${Q}:ocp_4.19_my-component`]);
  });

  it('the older single-target form, with its fields directly under promotion', () => {
    expect(
      lines(`${IMAGES}promotion:
  name: "4.6"
  namespace: ocp
  excluded_images:
  - my-operator
  additional_images:
    my-repo-scripts: src
`),
    ).toEqual([
      `ocp/4.6:my-component → ${Q}:ocp_4.6_my-component`,
      `ocp/4.6:my-repo-scripts → ${Q}:ocp_4.6_my-repo-scripts`,
    ]);
    expect(
      lines(
        `${IMAGES}promotion:\n  namespace: my-org\n  tag: latest\n  disabled: true\n`,
      ),
    ).toEqual([]);
  });

  it('the same tag published by two targets is listed once', () => {
    expect(
      lines(
        `${IMAGES}promotion:\n  to:\n  - name: "4.18"\n    namespace: ocp\n  - name: "4.18"\n    namespace: ocp\n    excluded_images: [my-operator]\n`,
      ),
    ).toEqual([
      `ocp/4.18:my-component → ${Q}:ocp_4.18_my-component`,
      `ocp/4.18:my-operator → ${Q}:ocp_4.18_my-operator`,
    ]);
  });

  it('a config without promotion publishes nothing, and that is no problem', () => {
    const report = run(IMAGES);
    expect(report).toEqual({
      promoted: [],
      targets: [],
      problems: [],
      warnings: [],
    });
  });

  it('uses the configured pull host', () => {
    expect(
      lines(
        `${IMAGES}promotion:\n  to:\n  - namespace: my-org\n    tag: latest\n    excluded_images: [my-operator]\n`,
        { pullHost: '127.0.0.1:5000' },
      ),
    ).toEqual([
      'my-org/my-component:latest → 127.0.0.1:5000/openshift/ci:my-org_my-component_latest',
    ]);
  });

  it('a promotion to a "-quay" stream publishes the tag ci-tools pushes (QuayImage keeps the name as written)', () => {
    expect(
      lines(
        `${IMAGES}promotion:
  to:
  - namespace: ocp
    name: 4.23-quay
    excluded_images: [my-operator]
`,
      ),
    ).toEqual([`ocp/4.23-quay:my-component → ${Q}:ocp_4.23-quay_my-component`]);
  });
});

describe('real configs with upper case (openshift/release), as ci-tools publishes them', () => {
  it('Azure/ARO-HCP: the build cache keeps the org as written; never a lower-cased suggestion', () => {
    // ci-operator/config/Azure/ARO-HCP/Azure-ARO-HCP-main.yaml (trimmed: images and tests)
    const config = `
binary_build_commands: make -C backend backend
images:
- dockerfile_path: backend/Dockerfile
  from: src
  to: aro-hcp-backend
promotion:
  to:
  - additional_images:
      aro-hcp-e2e-tools: aro-hcp-e2e-tools
    excluded_images:
    - '*'
    namespace: aro-hcp
    tag: latest
    tag_by_commit: true
zz_generated_metadata:
  branch: main
  org: Azure
  repo: ARO-HCP
`;
    expect(lines(config)).toEqual([
      `aro-hcp/aro-hcp-e2e-tools:${COMMIT_PLACEHOLDER} → ${Q}:aro-hcp_aro-hcp-e2e-tools_${COMMIT_PLACEHOLDER}`,
      `aro-hcp/aro-hcp-e2e-tools:latest → ${Q}:aro-hcp_aro-hcp-e2e-tools_latest`,
      `build-cache/Azure-ARO-HCP:main → ${Q}:build-cache_Azure-ARO-HCP_main`,
    ]);
    const notes = run(config).warnings.map((w) => w.message);
    expect(notes).toEqual([
      expect.stringContaining('name "Azure-ARO-HCP" has upper case'),
    ]);
    expect(notes.join()).not.toMatch(/azure-aro-hcp|try /);
  });

  it('ComplianceAsCode: an upper-case promotion namespace', () => {
    // ci-operator/config/ComplianceAsCode/compliance-operator/ComplianceAsCode-compliance-operator-master.yaml
    const config = `
images:
  items:
  - dockerfile_path: Dockerfile.ci
    from: base
    to: compliance-operator
  - dockerfile_path: images/testcontent/Dockerfile.ci
    to: testcontent
  - dockerfile_path: images/openscap/Dockerfile
    to: testopenscap
promotion:
  to:
  - excluded_images:
    - testcontent
    - testopenscap
    name: "4.17"
    namespace: ComplianceAsCode
`;
    expect(lines(config)).toEqual([
      `ComplianceAsCode/4.17:compliance-operator → ${Q}:ComplianceAsCode_4.17_compliance-operator`,
    ]);
    expect(run(config).warnings[0]?.message).toContain(
      'namespace "ComplianceAsCode" has upper case',
    );
  });
});

describe('problems name the field and never stop the rest', () => {
  it('a target without a namespace is skipped; the other targets still publish', () => {
    const report = run(
      `${IMAGES}promotion:\n  to:\n  - name: "4.18"\n  - namespace: my-org\n    tag: latest\n    excluded_images: [my-operator]\n`,
    );
    expect(
      report.problems.map((p) => `${formatPath(p.path)}: ${p.message}`),
    ).toEqual([
      'promotion.to[0].namespace: missing: a promotion target needs the namespace it publishes to',
    ]);
    expect(report.promoted.map((p) => p.pullSpec)).toEqual([
      `${Q}:my-org_my-component_latest`,
    ]);
  });

  it('a promotion with no target at all', () => {
    expect(
      problems(`${IMAGES}promotion:\n  excluded_images: [my-operator]\n`),
    ).toEqual([
      'promotion.namespace: missing: a promotion target needs the namespace it publishes to',
    ]);
    expect(problems(`${IMAGES}promotion: {}\n`)).toEqual([
      'promotion: no promotion target: add promotion.to with a namespace and a name or tag',
    ]);
  });

  it('both name and tag, or neither', () => {
    expect(
      problems(
        `${IMAGES}promotion:\n  to:\n  - name: "4.18"\n    namespace: ocp\n    tag: latest\n`,
      ),
    ).toEqual([
      'promotion.to[0]: sets both name ("4.18") and tag ("latest"): set name to publish NS/NAME:<image>, or tag to publish NS/<image>:TAG, not both',
    ]);
    expect(
      problems(`${IMAGES}promotion:\n  to:\n  - namespace: ocp\n`),
    ).toEqual([
      'promotion.to[0]: sets neither name nor tag: set name to publish NS/NAME:<image>, or tag to publish NS/<image>:TAG',
    ]);
  });

  it('a QCI tag over 128 characters is a problem for that image only', () => {
    const long = `a-very-long-image-name-${'x'.repeat(100)}`;
    const report = run(`
images:
- to: ${long}
- to: short
promotion:
  to:
  - name: "4.18"
    namespace: ocp
`);
    expect(report.promoted.map((p) => p.pullSpec)).toEqual([
      `${Q}:ocp_4.18_short`,
    ]);
    expect(report.problems).toHaveLength(1);
    expect(formatPath(report.problems[0]!.path)).toBe('images[0].to');
    expect(report.problems[0]!.message).toBe(
      `ocp/4.18:${long}: its QCI tag ocp_4.18_${long} is 132 characters; a tag is at most 128, so this image cannot be published to QCI (ci-operator does not check this)`,
    );
  });

  it('the length check also holds for tag_by_commit, with a 40-character commit in place of the placeholder', () => {
    const name = `c${'x'.repeat(80)}`; // my-org_ + 81 + _latest = 95 fits; my-org_ + 81 + _ + 40 = 129 does not
    const report = run(
      `images:\n- to: ${name}\npromotion:\n  to:\n  - namespace: my-org\n    tag: latest\n    tag_by_commit: true\n`,
    );
    expect(report.promoted.map((p) => p.imageStreamTag)).toEqual([
      `my-org/${name}:latest`,
    ]);
    expect(report.problems[0]!.message).toContain(
      'is 129 characters with a 40-character commit',
    );
  });

  it('a tag whose pruning copy cannot exist is a warning', () => {
    const name = 'x'.repeat(100); // ocp_4.18_ + 100 = 109 characters, + 21 = 130
    const report = run(
      `images:\n- to: ${name}\npromotion:\n  to:\n  - name: "4.18"\n    namespace: ocp\n`,
    );
    expect(report.problems).toEqual([]);
    expect(report.warnings[0]!.message).toContain('would be 130, over 128');
  });

  it('fields of the wrong type, with what was found; an unquoted 4.10 is the classic', () => {
    expect(
      problems(
        `${IMAGES}promotion:\n  to:\n  - name: 4.10\n    namespace: ocp\n`,
      ),
    ).toEqual([
      'promotion.to[0].name: expected a string, got the number 4.1: quote the value in YAML so it stays a string',
    ]);
    expect(
      problems(
        `${IMAGES}promotion:\n  to:\n  - name: "4.18"\n    namespace: ocp\n    disabled: "no"\n    excluded_images: my-operator\n`,
      ),
    ).toEqual([
      'promotion.to[0].excluded_images: expected a list, got string',
      'promotion.to[0].disabled: expected true or false, got string',
    ]);
    expect(
      problems(
        `images:\n- from: base\n- to: [x]\npromotion:\n  to:\n  - name: "4.18"\n    namespace: ocp\n`,
      ),
    ).toEqual([
      'images[0].to: is required',
      'images[1].to: expected a string, got a list',
    ]);
    expect(problems(`${IMAGES}promotion:\n  to:\n    name: "4.18"\n`)).toEqual([
      'promotion.to: expected a list, got a mapping',
    ]);
    expect(problems(`- a list\n`)).toEqual([
      ': expected a mapping, got a list',
    ]);
  });

  it('names that cannot be image stream names or tags', () => {
    expect(
      problems(
        `images:\n- to: my--component\npromotion:\n  to:\n  - namespace: my-org\n    tag: latest\n`,
      ),
    ).toEqual([
      'images[0].to: "my--component" cannot be promoted to promotion.to[0] (it becomes an image stream name in my-org): image stream name "my--component" is not valid: use letters and digits, separated by single ".", "_" or "-"',
    ]);
    expect(
      problems(
        `${IMAGES}promotion:\n  to:\n  - name: "4.18"\n    namespace: My_Org\n`,
      )[0],
    ).toMatch(
      /^promotion\.to\[0\]\.namespace: namespace "My_Org" contains "_"/,
    );
  });

  it('warns about an excluded image the config does not build, and about fields promotion.to overrides', () => {
    const report = run(
      `${IMAGES}promotion:\n  namespace: ocp\n  to:\n  - name: "4.18"\n    namespace: ocp\n    excluded_images: [my-operatr]\n`,
    );
    expect(
      report.warnings.map((w) => `${formatPath(w.path)}: ${w.message}`),
    ).toEqual([
      'promotion.namespace: ignored: promotion.to is set, and ci-operator reads only the targets listed there',
      'promotion.to[0].excluded_images[0]: "my-operatr" is not an image this config builds',
    ]);
  });
});

describe('helpers', () => {
  it.each([
    [
      'ci-operator/config/openshift/my-repo/openshift-my-repo-main.yaml',
      { org: 'openshift', repo: 'my-repo', branch: 'main' },
    ],
    [
      'config/openshift-priv/installer/openshift-priv-installer-release-4.18__okd-scos.yml',
      {
        org: 'openshift-priv',
        repo: 'installer',
        branch: 'release-4.18',
        variant: 'okd-scos',
      },
    ],
    ['my-repo/openshift-my-repo-main.yaml', null],
    ['openshift/my-repo/other-name.yaml', null],
  ])('metadataFromPath(%s)', (path, expected) => {
    const got = metadataFromPath(path);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toEqual({ variant: undefined, ...expected });
  });

  it('tells ci-operator configs from other YAML', () => {
    expect(
      looksLikeCiOperatorConfig(
        parse('build_root:\n  from_repository: true\n'),
      ),
    ).toBe(true);
    expect(
      looksLikeCiOperatorConfig(parse('presubmits:\n  openshift/foo: []\n')),
    ).toBe(false);
    expect(looksLikeCiOperatorConfig(parse('- a\n'))).toBe(false);
    expect(looksLikeCiOperatorConfig(null)).toBe(false);
  });

  it('--commit takes the full commit id only', () => {
    expect(commitProblem(SHA)).toBeNull();
    expect(commitProblem('9f3c1d2')).toContain('abbreviated');
    expect(commitProblem('main')).toContain('not a commit id');
    expect(commitProblem(SHA.toUpperCase())).not.toBeNull();
  });
});

/** qci promoted over an openshift/release-shaped tree of ci-operator configs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { qci } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const Q = 'quay-proxy.ci.openshift.org/openshift/ci';
const SHA = '0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e';

const CONFIGS: Record<string, string> = {
  'openshift/my-repo/openshift-my-repo-main.yaml': `binary_build_commands: make build
build_root:
  image_stream_tag:
    name: release
    namespace: openshift
    tag: rhel-9-release-golang-1.22-openshift-4.18
images:
- dockerfile_path: images/my-component/Dockerfile
  from: base
  inputs:
    ocp_builder_rhel-9-golang-1.22-openshift-4.18:
      as:
      - registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.22-openshift-4.18
  to: my-component
- dockerfile_path: images/my-operator/Dockerfile
  from: base
  to: my-operator
- dockerfile_path: test/e2e/Dockerfile
  from: src
  optional: true
  to: my-component-e2e
promotion:
  to:
  - additional_images:
      my-repo-scripts: src
    name: "4.18"
    namespace: ocp
releases:
  latest:
    integration:
      name: "4.18"
      namespace: ocp
resources:
  '*':
    requests:
      cpu: 100m
      memory: 200Mi
tests:
- as: unit
  commands: make test
  container:
    from: src
zz_generated_metadata:
  branch: main
  org: openshift
  repo: my-repo
`,
  'openshift/my-repo/openshift-my-repo-main__okd.yaml': `build_root:
  from_repository: true
images:
  items:
  - dockerfile_path: images/my-component/Dockerfile.okd
    from: base
    to: my-component
promotion:
  to:
  - namespace: my-org
    tag: latest
    tag_by_commit: true
  - disabled: true
    name: "4.18"
    namespace: origin
zz_generated_metadata:
  branch: main
  org: openshift
  repo: my-repo
  variant: okd
`,
  'openshift/my-repo/OWNERS': 'approvers:\n- someone\n',
  'openshift/no-promotion/openshift-no-promotion-main.yaml': `build_root:
  from_repository: true
tests:
- as: unit
  commands: make test
  container:
    from: src
zz_generated_metadata:
  branch: main
  org: openshift
  repo: no-promotion
`,
  'my-org/tools/my-org-tools-master.yaml': `images:
- from: base
  to: tools
- from: base
  to: tools-debug
promotion:
  excluded_images:
  - tools-debug
  name: tools
  namespace: my-org
zz_generated_metadata:
  branch: master
  org: my-org
  repo: tools
`,
  'my-org/broken/my-org-broken-main.yaml': `images:
- from: base
  to: broken
promotion:
  to:
  - name: "4.18"
    namespace: ocp
   tag: latest
`,
  'my-org/bad/my-org-bad-main.yaml': `images:
- from: base
  to: ok-image
- from: base
  to: ${'very-long-name-'.repeat(8)}x
promotion:
  to:
  - name: "4.18"
  - namespace: my-org
    tag: latest
  - name: "4.18"
    namespace: ocp
    tag: latest
zz_generated_metadata:
  branch: main
  org: my-org
  repo: bad
`,
};

let root: string;
let config: string;

beforeAll(() => {
  root = tempDir('qci-promoted-');
  config = join(root, 'ci-operator', 'config');
  for (const [path, text] of Object.entries(CONFIGS)) {
    mkdirSync(dirname(join(config, path)), { recursive: true });
    writeFileSync(join(config, path), text);
  }
  // Prow job configs live beside the configs in openshift/release; they are YAML but not configs.
  mkdirSync(join(root, 'ci-operator', 'jobs', 'openshift', 'my-repo'), {
    recursive: true,
  });
  writeFileSync(
    join(
      root,
      'ci-operator',
      'jobs',
      'openshift',
      'my-repo',
      'openshift-my-repo-main-presubmits.yaml',
    ),
    'presubmits:\n  openshift/my-repo: []\n',
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `qci promoted --image IMAGE` over the openshift org's configs: where is IMAGE published? */
const whereIs = (image: string) =>
  qci(['promoted', '--image', image, `${config}/openshift`]);

describe('qci promoted', () => {
  it('lists what one config publishes, aligned, with notes for the special entries', async () => {
    const file = join(config, 'openshift/my-repo/openshift-my-repo-main.yaml');
    const r = await qci(['promoted', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        file,
        `  build-cache/openshift-my-repo:main  →  ${Q}:build-cache_openshift-my-repo_main  (build cache: bin, for binary_build_commands)`,
        `  ocp/4.18:my-component               →  ${Q}:ocp_4.18_my-component`,
        `  ocp/4.18:my-operator                →  ${Q}:ocp_4.18_my-operator`,
        `  ocp/4.18:my-repo-scripts            →  ${Q}:ocp_4.18_my-repo-scripts  (additional_images: from src)`,
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe('4 images promoted by 1 config\n');
  });

  it('shows tag_by_commit as a placeholder, or the real tag with --commit', async () => {
    const file = join(
      config,
      'openshift/my-repo/openshift-my-repo-main__okd.yaml',
    );
    const placeholder = await qci(['promoted', file]);
    expect(placeholder.stdout).toContain(
      `  my-org/my-component:<commit-sha>  →  ${Q}:my-org_my-component_<commit-sha>  (tag_by_commit: one tag per merged commit; pass --commit SHA to see it)\n`,
    );
    const withCommit = await qci(['promoted', '--commit', SHA, file]);
    expect(withCommit.code).toBe(0);
    expect(withCommit.stdout).toBe(
      [
        file,
        `  my-org/my-component:${SHA}  →  ${Q}:my-org_my-component_${SHA}`,
        `  my-org/my-component:latest                                    →  ${Q}:my-org_my-component_latest`,
        '',
      ].join('\n'),
    );
  });

  it('searches a directory: every config is listed, problems are reported per file with line and field, exit 1', async () => {
    const r = await qci(['promoted', join(root, 'ci-operator')]);
    expect(r.code).toBe(1);
    // The good configs are all there, in path order, the job config and OWNERS are not.
    const headers = r.stdout
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('  '));
    expect(headers).toEqual([
      join(config, 'my-org/bad/my-org-bad-main.yaml'),
      join(config, 'my-org/tools/my-org-tools-master.yaml'),
      join(config, 'openshift/my-repo/openshift-my-repo-main.yaml'),
      join(config, 'openshift/my-repo/openshift-my-repo-main__okd.yaml'),
    ]);
    expect(r.stdout).toContain(
      `  my-org/ok-image:latest  →  ${Q}:my-org_ok-image_latest\n`,
    );
    expect(r.stdout).toContain(
      `  my-org/tools:tools  →  ${Q}:my-org_tools_tools\n`,
    );
    expect(r.stdout).not.toContain('tools-debug');
    expect(r.stdout).not.toContain('origin');
    const bad = join(config, 'my-org/bad/my-org-bad-main.yaml');
    const broken = join(config, 'my-org/broken/my-org-broken-main.yaml');
    expect(r.stderr).toContain(`error: ${broken}:8: not valid YAML: `);
    expect(r.stderr).toContain(
      `error: ${bad}:8: promotion.to[0].namespace: missing: a promotion target needs the namespace it publishes to\n`,
    );
    expect(r.stderr).toContain(
      `error: ${bad}:11: promotion.to[2]: sets both name ("4.18") and tag ("latest")`,
    );
    expect(r.stderr).toMatch(
      new RegExp(
        `error: ${bad}:5: images\\[1\\]\\.to: my-org/very-long-name-.*: its QCI tag .* is 135 characters; a tag is at most 128`,
      ),
    );
    expect(r.stderr).toContain(
      '8 images promoted by 6 configs; 2 with problems (above)',
    );
  });

  it('--image answers "where is my component published?"', async () => {
    const r = await whereIs('my-component');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        join(config, 'openshift/my-repo/openshift-my-repo-main.yaml'),
        `  ocp/4.18:my-component  →  ${Q}:ocp_4.18_my-component`,
        '',
        join(config, 'openshift/my-repo/openshift-my-repo-main__okd.yaml'),
        `  my-org/my-component:<commit-sha>  →  ${Q}:my-org_my-component_<commit-sha>  (tag_by_commit: one tag per merged commit; pass --commit SHA to see it)`,
        `  my-org/my-component:latest        →  ${Q}:my-org_my-component_latest`,
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe(
      '3 images named my-component, promoted by 2 of 3 configs\n',
    );
    const none = await whereIs('nothing-like-this');
    expect(none.code).toBe(5);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain(
      'no config here promotes an image named nothing-like-this',
    );
  });

  it('--json: one object per config, with problems and their lines', async () => {
    const r = await qci([
      '--json',
      'promoted',
      '--image',
      'ok-image',
      '--image',
      'tools',
      join(config, 'my-org'),
    ]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.summary).toEqual({
      configs: 3,
      promoted: 2,
      filesWithProblems: 2,
      notConfigs: 0,
    });
    const byName = Object.fromEntries(
      out.files.map((f: { path: string }) => [f.path.split('/').at(-1), f]),
    );
    expect(byName['my-org-tools-master.yaml'].promoted).toEqual([
      {
        imageStreamTag: 'my-org/tools:tools',
        namespace: 'my-org',
        name: 'tools',
        tag: 'tools',
        image: 'tools',
        source: 'tools',
        kind: 'image',
        target: 0,
        qciTag: 'my-org_tools_tools',
        pullSpec: `${Q}:my-org_tools_tools`,
        placeholder: false,
      },
    ]);
    expect(byName['my-org-bad-main.yaml'].problems[0]).toEqual({
      field: 'promotion.to[0].namespace',
      line: 8,
      message:
        'missing: a promotion target needs the namespace it publishes to',
    });
    expect(byName['my-org-broken-main.yaml'].problems[0]).toMatchObject({
      field: '',
      line: 8,
    });
  });

  it('bad input is a usage error and prints no data', async () => {
    const missing = await qci(['promoted', join(root, 'no-such-dir')]);
    expect(missing.code).toBe(5); // not found, as for every command given a path that is not there
    expect(missing.stderr).toContain('no-such-dir: no such file or directory');
    const short = await qci(['promoted', '--commit', '0d1e2f3', config]);
    expect(short.code).toBe(2);
    expect(short.stdout).toBe('');
    expect(short.stderr).toContain('abbreviated commit id');
    expect((await qci(['promoted'])).code).toBe(2);
  });

  it('a directory without configs is "not found"; a named file that is no config is a problem', async () => {
    const jobs = join(root, 'ci-operator', 'jobs');
    const r = await qci(['promoted', jobs]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`no ci-operator config found in ${jobs}`);
    const named = await qci([
      'promoted',
      join(jobs, 'openshift/my-repo/openshift-my-repo-main-presubmits.yaml'),
    ]);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('not a ci-operator config');
  });

  it('a config that promotes nothing is listed in --json with no entries', async () => {
    const r = await qci([
      '--json',
      'promoted',
      join(config, 'openshift/no-promotion'),
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files).toEqual([
      {
        path: join(
          config,
          'openshift/no-promotion/openshift-no-promotion-main.yaml',
        ),
        promoted: [],
        targets: [],
        problems: [],
        warnings: [],
      },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import {
  formatDuration,
  parseDuration,
  tokenDuration,
} from '../../src/core/duration.js';
import { QciError } from '../../src/core/errors.js';
import {
  OWNERS_PLACEHOLDER,
  dns1123LabelProblem,
  projectProblem,
  registryAccessFiles,
  renderAdminManifest,
  renderOwners,
} from '../../src/core/registry-access.js';

// The seed's "Token For Programmatic Access to QCI" manifest, verbatim (seed/000_267d25e801778141.txt).
const SEED = `# this is the Namespace in which your ServiceAccount will live
apiVersion: v1
kind: Namespace
metadata:
  annotations:
    openshift.io/description: Automation ServiceAccounts for MyProject
    openshift.io/display-name: MyProject CI
  name: my-project
---
# this is the ServiceAccount whose credentials you will use
kind: ServiceAccount
apiVersion: v1
metadata:
  name: image-puller
  namespace: my-project
---
# this grants your ServiceAccount rights to pull images
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: my-project-image-puller-binding
  # the namespace from which you will pull images
  namespace: ocp
roleRef:
  kind: ClusterRole
  apiGroup: rbac.authorization.k8s.io
  name: system:image-puller
subjects:
  - kind: ServiceAccount
    namespace: my-project
    name: image-puller
---
# this adds the admins to the project.
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: my-project-viewer-binding
  namespace: my-project
roleRef:
  kind: ClusterRole
  apiGroup: rbac.authorization.k8s.io
  name: view
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: my-project-admins
    namespace: my-project
---
# this grants the right to read the ServiceAccount's credentials and pull
# images to the admins.
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: my-project-admins-binding
  namespace: my-project
roleRef:
  kind: ClusterRole
  apiGroup: rbac.authorization.k8s.io
  name: pull-secret-namespace-manager
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    # This is a group from Rover https://rover.redhat.com/groups/
    name: my-project-admins
    namespace: my-project
`;

describe('admin_manifest.yaml', () => {
  it('is the seed text, line for line, with the project in the two annotations', () => {
    const rendered = renderAdminManifest('my-project', 'my-project-admins');
    const seed = SEED.replace('for MyProject', 'for my-project').replace(
      'MyProject CI',
      'my-project CI',
    );
    expect(rendered).toBe(seed);
  });

  it('parses as YAML into the seed structure, with the names substituted everywhere', () => {
    const docs = parseAllDocuments(
      renderAdminManifest('team-x', 'team-x-rover'),
    ).map((d) => d.toJS() as Record<string, any>);
    const seed = parseAllDocuments(SEED).map(
      (d) => d.toJS() as Record<string, any>,
    );
    expect(docs.map((d) => [d.kind, d.apiVersion])).toEqual(
      seed.map((d) => [d.kind, d.apiVersion]),
    );
    // Same shape: the seed with my-project → team-x and my-project-admins → team-x-rover.
    const substituted = JSON.parse(
      JSON.stringify(seed)
        .replaceAll('"my-project-admins"', '"team-x-rover"')
        .replaceAll('my-project', 'team-x')
        .replaceAll('MyProject', 'team-x'),
    );
    expect(docs).toEqual(substituted);
    const [ns, sa, puller, viewer, admins] = docs;
    expect(ns!.metadata.name).toBe('team-x');
    expect(sa).toMatchObject({
      kind: 'ServiceAccount',
      metadata: { name: 'image-puller', namespace: 'team-x' },
    });
    expect(puller).toMatchObject({
      metadata: { namespace: 'ocp' },
      roleRef: { name: 'system:image-puller' },
      subjects: [
        { kind: 'ServiceAccount', namespace: 'team-x', name: 'image-puller' },
      ],
    });
    expect(viewer).toMatchObject({
      roleRef: { name: 'view' },
      subjects: [{ kind: 'Group', name: 'team-x-rover' }],
    });
    expect(admins).toMatchObject({
      roleRef: { name: 'pull-secret-namespace-manager' },
      subjects: [{ kind: 'Group', name: 'team-x-rover' }],
    });
  });

  it('OWNERS is Prow YAML with the logins, or a placeholder and a warning', () => {
    expect(parse(renderOwners(['alice', 'bob']))).toEqual({
      approvers: ['alice', 'bob'],
      reviewers: ['alice', 'bob'],
    });
    const files = registryAccessFiles({
      project: 'p',
      admins: 'p-admins',
      owners: [],
    });
    expect(files.files.map((f) => f.path)).toEqual([
      'clusters/app.ci/registry-access/p/admin_manifest.yaml',
      'clusters/app.ci/registry-access/p/OWNERS',
    ]);
    expect(parse(files.files[1]!.content).approvers).toEqual([
      OWNERS_PLACEHOLDER,
    ]);
    expect(files.warnings[0]).toContain('--owners');
    expect(
      registryAccessFiles({
        project: 'p',
        admins: 'p-admins',
        owners: ['alice', 'alice'],
      }).warnings,
    ).toEqual([]);
  });
});

describe('name validation names the bad input', () => {
  // project, admins, owners, the message must contain
  const bad: [string, string, string[], string][] = [
    [
      'My-Project',
      'g',
      [],
      '--project "My-Project" has uppercase letters; use "my-project"',
    ],
    [
      'my_project',
      'g',
      [],
      '--project "my_project" is not a DNS-1123 label: use a-z, 0-9 and "-", starting and ending with a letter or digit (try "my-project")',
    ],
    ['-p', 'g', [], '--project "-p" is not a DNS-1123 label'],
    [
      'a'.repeat(64),
      'g',
      [],
      'is 64 characters; a DNS-1123 label is at most 63',
    ],
    ['', 'g', [], '--project is empty'],
    ['openshift-ci', 'g', [], 'reserved on app.ci'],
    ['kube-system', 'g', [], 'reserved on app.ci'],
    ['default', 'g', [], 'reserved on app.ci'],
    ['p', 'My Admins', [], '--admins "My Admins"'],
    ['p', 'admins_', [], '--admins "admins_" is not a DNS-1123 name'],
    [
      'p',
      'g',
      ['alice', 'bad login'],
      '--owners "bad login" is not a GitHub login',
    ],
    ['p', 'g', ['-alice'], '--owners "-alice"'],
  ];
  it.each(bad)('%j %j %j', (project, admins, owners, message) => {
    let error: unknown;
    try {
      registryAccessFiles({ project, admins, owners });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QciError);
    expect((error as QciError).exitCode).toBe(2);
    expect((error as QciError).message).toContain(message);
  });

  it.each(['my-project', 'p', 'a1', 'openshiftish', 'a'.repeat(63)])(
    'accepts project %s',
    (p) => expect(projectProblem(p)).toBeNull(),
  );
  it('labels: control characters are not echoed', () =>
    expect(dns1123LabelProblem('--project', 'a\u001bb')).not.toContain(
      '\u001b',
    ));
});

describe('durations', () => {
  const cases: [string, number | undefined][] = [
    ['24h', 86_400],
    ['10m', 600],
    ['1h30m', 5_400],
    ['7d', 604_800],
    ['90s', 90],
    [' 2H ', 7_200],
    ['', undefined],
    ['24', undefined],
    ['1.5h', undefined],
    ['h', undefined],
    ['-1h', undefined],
  ];
  it.each(cases)('parseDuration(%j) = %j', (text, seconds) =>
    expect(parseDuration(text)).toBe(seconds),
  );
  it.each([
    [86_400, '24h'],
    [5_400, '1h30m'],
    [600, '10m'],
    [61, '1m1s'],
    [0, '0s'],
  ] as const)('formatDuration(%i) = %s', (s, text) =>
    expect(formatDuration(s)).toBe(text),
  );
  it('a token lasts at least 10 minutes: shorter is a usage error before any request', () => {
    expect(tokenDuration('10m')).toBe(600);
    expect(() => tokenDuration('9m59s')).toThrow(/shorter than 10 minutes/);
    expect(() => tokenDuration('tomorrow')).toThrow(/not a duration/);
    expect(() => tokenDuration('5m')).toThrow(
      expect.objectContaining({ exitCode: 2 }),
    );
  });
});

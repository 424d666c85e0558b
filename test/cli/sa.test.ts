/**
 * qci sa init (files and checks), the checks qci sa token makes before it calls app.ci, and qci login
 * --token-file up to the engine (a stub podman that records what it was asked). The TokenRequest flow
 * itself runs end to end against the fake app.ci in test/e2e/sa.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { isolatedEnv, qci } from '../helpers/cli.js';

function releaseRepo(env: Record<string, string | undefined>): string {
  const repo = join(env.HOME!, 'release');
  mkdirSync(
    join(repo, 'clusters', 'app.ci', 'registry-access', 'someone-else'),
    { recursive: true },
  );
  return repo;
}

/** `qci sa init --project P --admins G`, the start of every command line here. */
const saInit = (project: string, admins: string) => [
  'sa',
  'init',
  '--project',
  project,
  '--admins',
  admins,
];

describe('qci sa init', () => {
  it('without --release-repo prints both files, then the next steps on stderr', async () => {
    const r = await qci([
      ...saInit('my-project', 'my-project-admins'),
      '--owners',
      'alice,bob',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [manifest, owners] = r.stdout
      .split(/^# ==> .* <==\n/m)
      .filter(Boolean);
    expect(r.stdout).toMatch(
      /^# ==> clusters\/app\.ci\/registry-access\/my-project\/admin_manifest\.yaml <==\n# this is the Namespace/,
    );
    expect(r.stdout).toContain(
      '# ==> clusters/app.ci/registry-access/my-project/OWNERS <==\n',
    );
    const kinds = parseAllDocuments(manifest!).map(
      (d) => (d.toJS() as { kind: string }).kind,
    );
    expect(kinds).toEqual([
      'Namespace',
      'ServiceAccount',
      'RoleBinding',
      'RoleBinding',
      'RoleBinding',
    ]);
    expect(parse(owners!)).toEqual({
      approvers: ['alice', 'bob'],
      reviewers: ['alice', 'bob'],
    });
    expect(r.stderr).toContain('next steps:');
    expect(r.stderr).toContain(
      'open a pull request to https://github.com/openshift/release',
    );
    expect(r.stderr).toContain(
      'qci sa token --project my-project --output my-project.token',
    );
    expect(r.stderr).not.toContain('warning');
  });

  it('--json gives the files and the steps as data; no --owners means a placeholder and a warning', async () => {
    const r = await qci(['--json', ...saInit('p1', 'p1-admins')]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      project: 'p1',
      admins: 'p1-admins',
      serviceAccount: 'image-puller',
      dir: 'clusters/app.ci/registry-access/p1',
      releaseRepo: null,
    });
    expect(
      report.files.map((f: { path: string; action: string }) => [
        f.path,
        f.action,
      ]),
    ).toEqual([
      ['clusters/app.ci/registry-access/p1/admin_manifest.yaml', 'printed'],
      ['clusters/app.ci/registry-access/p1/OWNERS', 'printed'],
    ]);
    expect(report.warnings[0]).toContain('REPLACE-WITH-GITHUB-LOGIN');
    expect(r.stderr).toContain('warning: OWNERS lists the placeholder');
  });

  it('writes into an openshift/release checkout, and never over an existing directory without --force', async () => {
    const env = isolatedEnv();
    const repo = releaseRepo(env);
    const args = [
      ...saInit('my-project', 'my-project-admins'),
      '--owners',
      'alice',
      '--release-repo',
      repo,
    ];
    const first = await qci(args, { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('');
    const dir = join(repo, 'clusters/app.ci/registry-access/my-project');
    expect(first.stderr).toContain(
      `created   ${join(dir, 'admin_manifest.yaml')}`,
    );
    expect(first.stderr).toContain(
      `cd ${repo} && git checkout -b registry-access-my-project && git add clusters/app.ci/registry-access/my-project`,
    );
    const manifest = readFileSync(join(dir, 'admin_manifest.yaml'), 'utf8');
    expect(manifest).toContain('name: pull-secret-namespace-manager');
    expect(statSync(join(dir, 'OWNERS')).mode & 0o777).toBe(0o644);

    // Someone edits the directory; a second run refuses and changes nothing.
    writeFileSync(join(dir, 'OWNERS'), 'approvers:\n- carol\n');
    writeFileSync(join(dir, 'README.md'), 'ours\n');
    const again = await qci(args, { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'clusters/app.ci/registry-access/my-project already exists',
    );
    expect(again.stderr).toContain('--force');
    expect(readFileSync(join(dir, 'OWNERS'), 'utf8')).toBe(
      'approvers:\n- carol\n',
    );

    const forced = await qci([...args, '--force'], { env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain(`replaced  ${join(dir, 'OWNERS')}`);
    expect(forced.stderr).toContain(
      `unchanged ${join(dir, 'admin_manifest.yaml')}`,
    );
    expect(parse(readFileSync(join(dir, 'OWNERS'), 'utf8')).approvers).toEqual([
      'alice',
    ]);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('ours\n');
  });

  it.each([
    ['the project directory', 'clusters/app.ci/registry-access/my-project'],
    ['registry-access itself', 'clusters/app.ci/registry-access'],
    ['OWNERS', 'clusters/app.ci/registry-access/my-project/OWNERS'],
  ])(
    'a symbolic link at %s (a hostile fork) is refused, nothing written outside the checkout, even with --force',
    async (_, link) => {
      const env = isolatedEnv();
      const repo = releaseRepo(env);
      const outside = join(env.HOME!, 'outside');
      mkdirSync(outside);
      const at = join(repo, link);
      rmSync(at, { recursive: true, force: true });
      mkdirSync(dirname(at), { recursive: true });
      symlinkSync(
        link.endsWith('OWNERS') ? join(outside, 'OWNERS') : outside,
        at,
      );
      const r = await qci(
        [
          ...saInit('my-project', 'my-project-admins'),
          '--release-repo',
          repo,
          '--force',
        ],
        { env },
      );
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`${link} in ${repo} is a symbolic link`);
      expect(readdirSync(outside)).toEqual([]);
    },
  );

  it('checks that --release-repo looks like openshift/release', async () => {
    const env = isolatedEnv();
    const notRepo = join(env.HOME!, 'elsewhere');
    mkdirSync(notRepo);
    const r = await qci([...saInit('p', 'g'), '--release-repo', notRepo], {
      env,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'does not look like an openshift/release checkout: it has no clusters/app.ci/registry-access/',
    );
    expect(existsSync(join(notRepo, 'clusters'))).toBe(false);
    const missing = await qci(
      [...saInit('p', 'g'), '--release-repo', join(env.HOME!, 'nope')],
      { env },
    );
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('no such directory');
  });

  it.each([
    [['--project', 'My_Project', '--admins', 'g'], '--project "My_Project"'],
    [['--project', 'openshift-foo', '--admins', 'g'], 'reserved on app.ci'],
    [['--project', 'p', '--admins', 'Admins Group'], '--admins "Admins Group"'],
    [
      ['--project', 'p', '--admins', 'g', '--owners', 'ok,not ok'],
      '--owners "not ok"',
    ],
    [['--project', 'p'], "required option '--admins <group>' not specified"],
  ])(
    'a bad or missing name is a usage error naming it: %j',
    async (flags, message) => {
      const r = await qci(['sa', 'init', ...flags]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe('');
    },
  );
});

describe('qci sa token: what is checked before app.ci is asked', () => {
  // No kubeconfig exists in the isolated environment: reaching app.ci would fail differently (exit 3/5).
  it.each([
    [['--project', 'p', '--duration', '5m'], 'shorter than 10 minutes'],
    [['--project', 'p', '--duration', '9m59s'], 'shorter than 10 minutes'],
    [['--project', 'p', '--duration', 'soon'], 'is not a duration'],
    [['--project', 'Bad_Project'], '--project "Bad_Project"'],
    [['--project', 'p', '--name', 'Image_Puller'], '--name "Image_Puller"'],
  ])('%j is a usage error', async (flags, message) => {
    const r = await qci(['sa', 'token', ...flags]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('refuses to print a token to a terminal unless --show or --output', async () => {
    const r = await qci(['sa', 'token', '--project', 'p'], { tty: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'qci does not print a token to a terminal unless asked',
    );
    expect(r.stderr).toContain('--output FILE');
    // With --show it goes on to app.ci (here: no kubeconfig, so a different error).
    const shown = await qci(['sa', 'token', '--project', 'p', '--show'], {
      tty: true,
    });
    expect(shown.code).not.toBe(2);
  });
});

describe('qci login --token-file (stub podman)', () => {
  const jwt = (claims: Record<string, unknown>) =>
    `${[{ alg: 'RS256', kid: 'k' }, claims].map((p) => Buffer.from(JSON.stringify(p)).toString('base64url')).join('.')}.c2lnbmF0dXJl`;

  function stubPodman(env: Record<string, string | undefined>) {
    const bin = join(env.HOME!, 'bin');
    mkdirSync(bin, { recursive: true });
    const log = join(env.HOME!, 'podman.log');
    writeFileSync(
      join(bin, 'podman'),
      `#!/bin/sh\necho "$*" >> ${log}\ncase "$1" in --version) echo "podman version 4.3.1";; login) tok=$(cat); printf %s "$tok" > ${join(env.HOME!, 'podman.stdin')}; f="\${REGISTRY_AUTH_FILE:-\${DOCKER_CONFIG:+$DOCKER_CONFIG/config.json}}"; f="\${f:-$XDG_RUNTIME_DIR/containers/auth.json}"; p=""; for a in "$@"; do case "$p" in --authfile) f="$a";; --username|-u) u="$a";; esac; case "$a" in -*|login) ;; *) case "$p" in --authfile|--username|-u) ;; *) h="$a";; esac;; esac; p="$a"; done; mkdir -p "$(dirname "$f")"; printf '{"auths":{"%s":{"auth":"%s"}}}' "$h" "$(printf '%s:%s' "$u" "$tok" | base64 -w0)" > "$f";; esac\n`,
    );
    chmodSync(join(bin, 'podman'), 0o755);
    env.PATH = `${bin}:${env.PATH}`;
    return {
      log: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
      stdin: () => readFileSync(join(env.HOME!, 'podman.stdin'), 'utf8'),
    };
  }

  it('an expired token is refused before podman runs at all', async () => {
    const env = isolatedEnv({ QCI_REGISTRY: '127.0.0.1:5000' });
    const podman = stubPodman(env);
    const file = join(env.HOME!, 'expired.token');
    const token = jwt({
      sub: 'system:serviceaccount:my-project:image-puller',
      iat: 1_700_000_000,
      exp: Math.floor(Date.now() / 1000) - 3 * 3600,
    });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const r = await qci(['login', '--token-file', file], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      `the token in ${file} (system:serviceaccount:my-project:image-puller) expired 3 hours ago`,
    );
    expect(r.stderr).toContain(
      `qci sa token --project my-project --output ${file}`,
    );
    expect(r.stderr + r.stdout).not.toContain(token);
    expect(podman.log()).toBe('');
  });

  it('a live token: podman login -u <sub> --password-stdin, the token only on stdin; a loose file mode is warned about', async () => {
    const env = isolatedEnv({ QCI_REGISTRY: '127.0.0.1:5000' });
    const podman = stubPodman(env);
    const file = join(env.HOME!, 'live.token');
    const token = jwt({
      sub: 'system:serviceaccount:my-project:image-puller',
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 86_400,
    });
    writeFileSync(file, token);
    chmodSync(file, 0o644);
    const r = await qci(['login', '--token-file', file], { env });
    expect(r.code, r.stderr).toBe(0);
    // podman logs in to a private copy of the auth file; qci merges the entry it wrote.
    expect(podman.log()).toMatch(
      /login --password-stdin --username my-project\/image-puller --authfile \S+\/qci-login-\d+-\w+\/auth\.json 127\.0\.0\.1:5000/,
    );
    expect(podman.log()).not.toContain(token);
    expect(podman.stdin()).toBe(token);
    expect(r.stderr).toContain(
      'Logged in to 127.0.0.1:5000 as system:serviceaccount:my-project:image-puller (podman)',
    );
    expect(r.stderr).toMatch(
      /token from ~\/live\.token; expires in (23|24) hours/,
    );
    expect(r.stderr).toContain(
      'can be read by other users (mode 644); chmod 600',
    );
    expect(r.stderr + r.stdout).not.toContain(token);
  });

  it.each([
    ['', 'is empty'],
    [
      'sha256~abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ',
      'holds an app.ci user token',
    ],
    ['not-a-jwt', 'does not hold a ServiceAccount token'],
  ])('%j is refused (exit 2) before podman runs', async (content, message) => {
    const env = isolatedEnv({ QCI_REGISTRY: '127.0.0.1:5000' });
    const podman = stubPodman(env);
    const file = join(env.HOME!, 'bad.token');
    writeFileSync(file, content, { mode: 0o600 });
    const r = await qci(['login', '--token-file', file], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(podman.log()).toBe('');
  });

  it('a missing file is exit 5', async () => {
    const env = isolatedEnv({ QCI_REGISTRY: '127.0.0.1:5000' });
    stubPodman(env);
    const r = await qci(
      ['login', '--token-file', join(env.HOME!, 'none.token')],
      { env },
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('no such file');
  });
});

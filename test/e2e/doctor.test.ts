/**
 * qci doctor end to end, starting with the seed's own scenario: a month-old token in ~/.docker/config.json
 * that `podman logout` cannot remove.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TESTBED_TOOLS,
  createPodmanEnv,
  requireTools,
  startTestBed,
  type PodmanEnv,
  type TestBed,
} from './testbed/index.js';
import { pathWithout } from './testbed/tools.js';

const tools = requireTools(TESTBED_TOOLS);
const QCI = fileURLToPath(new URL('../../bin/qci', import.meta.url));
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe.skipIf(!tools.ok)('qci doctor (end to end)', () => {
  let bed: TestBed;
  let pe: PodmanEnv;
  let kubeconfig: string;

  beforeAll(async () => {
    bed = await startTestBed({ denyMode: 'auth-401' });
    kubeconfig = await bed.appci.kubeconfig({ token: bed.token });
  });
  afterAll(async () => bed?.stop());
  afterEach(async () => pe?.stop());

  const fresh = async () =>
    (pe = await createPodmanEnv({ insecureRegistries: [bed.proxy.host] }));
  // The test registry speaks plain HTTP: QCI_TLS_VERIFY=false, as a user of a local registry would set.
  const qci = (args: string[], env: Record<string, string | undefined> = {}) =>
    pe.run(process.execPath, [QCI, ...args], {
      env: {
        QCI_REGISTRY: bed.proxy.host,
        QCI_TLS_VERIFY: 'false',
        KUBECONFIG: kubeconfig,
        ...env,
      },
    });

  it("the seed's scenario: doctor names the file and the cause, --fix repairs it, a plain podman pull works", async () => {
    await fresh();
    const stale = bed.appci.createToken(bed.user, {
      createdAt: new Date(Date.now() - 40 * 86_400_000),
    });
    mkdirSync(dirname(pe.authFiles.docker), { recursive: true });
    writeFileSync(
      pe.authFiles.docker,
      JSON.stringify({
        auths: {
          [bed.proxy.host]: { auth: b64(`${bed.user}:${stale}`) },
          'quay.io': { auth: b64('me:quay-secret') },
        },
        credHelpers: { 'gcr.io': 'gcloud' },
        psFormat: 'table {{.ID}}',
      }),
    );
    // As the seed says: podman logout does not touch ~/.docker/config.json, and the pull keeps failing.
    const logout = await pe.podman(['logout', bed.proxy.host]);
    expect(logout.exitCode).toBe(125);
    expect(logout.stderr).toContain('not logged into');
    const pull = await pe.podman(['pull', bed.ref()]);
    expect(pull.exitCode).toBe(125);

    const doctor = await qci(['doctor']);
    expect(doctor.exitCode, doctor.stdout + doctor.stderr).toBe(1);
    expect(doctor.stdout).toMatch(
      /✗ auth files\s+\S+ in ~\/\.docker\/config\.json holds an expired or revoked app\.ci token \(sha256~.{4}…\); podman and docker send it; `podman logout` does not remove it/,
    );
    expect(doctor.stdout).toContain(
      `fix: podman logout --authfile ~/.docker/config.json ${bed.proxy.host}`,
    );
    expect(doctor.stdout).toMatch(
      /✗ registry\s+\S+ rejects the credential podman sends/,
    );
    expect(doctor.stdout + doctor.stderr).not.toContain(stale);
    expect(doctor.stdout + doctor.stderr).not.toContain(bed.token);

    const fix = await qci(['doctor', '--fix']);
    expect(fix.exitCode, fix.stdout + fix.stderr).toBe(0);
    expect(fix.stderr).toMatch(
      /removed \S+ from ~\/\.docker\/config\.json \(backup: ~\/\.docker\/config\.json\.qci-backup-/,
    );
    expect(fix.stderr).toContain(
      `logged podman in to ${bed.proxy.host} as ${bed.user}`,
    );
    expect(fix.stderr).toContain('healthy');

    const after = await pe.podman(['pull', bed.ref()]);
    expect(after.exitCode, after.stderr).toBe(0);
    const docker = JSON.parse(readFileSync(pe.authFiles.docker, 'utf8'));
    expect(docker).toEqual({
      auths: { 'quay.io': { auth: b64('me:quay-secret') } },
      credHelpers: { 'gcr.io': 'gcloud' },
      psFormat: 'table {{.ID}}',
    });
  });

  it('a healthy machine: exit 0, and --json gives the findings as data', async () => {
    await fresh();
    expect((await qci(['login'])).exitCode).toBe(0);
    const doctor = await qci(['doctor', '--json']);
    expect(doctor.exitCode, doctor.stdout).toBe(0);
    const report = JSON.parse(doctor.stdout);
    expect(report.healthy).toBe(true);
    const ids = report.findings.map((f: { id: string }) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'engine.podman',
        'kube.identity',
        'kube.token',
        'kube.access',
        'auth.valid',
        'registry.reachable',
        'registry.credential',
      ]),
    );
    for (const f of report.findings)
      expect(Object.keys(f).sort()).toEqual([
        'autoFix',
        'check',
        'detail',
        'fix',
        'id',
        'severity',
      ]);
  });

  it("a token expiring within 3 days, REGISTRY_AUTH_FILE pointing nowhere, another user's credential", async () => {
    await fresh();
    const soon = bed.appci.createToken(bed.user, { expiresIn: 86_400 });
    const otherToken = bed.appci.createToken('someone-else');
    mkdirSync(dirname(pe.authFiles.docker), { recursive: true });
    writeFileSync(
      pe.authFiles.docker,
      JSON.stringify({
        auths: {
          [bed.proxy.host]: { auth: b64(`someone-else:${otherToken}`) },
        },
      }),
    );
    const doctor = await qci(['doctor'], {
      KUBECONFIG: await bed.appci.kubeconfig({ token: soon }),
      REGISTRY_AUTH_FILE: `${pe.dir}/nope.json`,
    });
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout).toMatch(
      /! app\.ci\s+the app\.ci token sha256~.{4}… expires in (23|24) hours/,
    );
    expect(doctor.stdout).toContain(
      `REGISTRY_AUTH_FILE points at ${pe.dir}/nope.json, which does not exist`,
    );
    expect(doctor.stdout).toMatch(
      /! auth files\s+\S+ in ~\/\.docker\/config\.json holds another user's valid app\.ci token/,
    );
    expect(doctor.stdout + doctor.stderr).not.toContain(otherToken);
  });

  it('a stopped registry is reported unreachable within the check timeout', async () => {
    await fresh();
    const started = Date.now();
    const doctor = await qci(['doctor', '--timeout', '3'], {
      QCI_REGISTRY: '127.0.0.1:9',
    });
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout).toContain(
      'cannot reach 127.0.0.1:9: connection refused',
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('with docker-credential-qci registered: doctor checks the token it answers with', async () => {
    await fresh();
    const bin = fileURLToPath(new URL('../../bin', import.meta.url));
    const token = bed.appci.createToken(bed.user);
    const kc = await bed.appci.kubeconfig({ token });
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}`, KUBECONFIG: kc };
    const login = await qci(['login', '--helper'], env);
    expect(login.exitCode, login.stderr).toBe(0);
    const healthy = await qci(['doctor', '--json'], env);
    expect(healthy.exitCode, healthy.stdout).toBe(0);
    const ids = JSON.parse(healthy.stdout).findings.map(
      (f: { id: string; severity: string }) => `${f.id}:${f.severity}`,
    );
    expect(ids).toEqual(
      expect.arrayContaining(['auth.helper:ok', 'registry.credential:ok']),
    );
    bed.appci.revokeToken(token);
    const broken = await qci(['doctor'], env);
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toMatch(
      /✗ auth files\s+.* sends \S+ to docker-credential-qci, which answers with the token of kube context "app\.ci" \(named app\.ci\) \(sha256~.{4}…\): it has expired or was revoked/,
    );
    expect(broken.stdout + broken.stderr).not.toContain(token);
    const noBin = await qci(['doctor'], {
      KUBECONFIG: kc,
      PATH: pathWithout('docker-credential-qci'),
    });
    expect(noBin.stdout).toContain(
      'docker-credential-qci, which is not on PATH',
    );
  });

  it('--explain decodes a pasted error without running checks', async () => {
    await fresh();
    const text = `Error: initializing source docker://${bed.ref()}: unable to retrieve auth token: invalid username/password: unauthorized: authentication required`;
    const r = await qci(['doctor', '--explain', text, '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      cause: 'credentials-rejected',
      fix: 'qci doctor --fix',
    });
    const missing = await qci([
      'doctor',
      '--explain',
      'reading manifest x in y: manifest unknown: manifest unknown',
    ]);
    expect(missing.stdout).toContain('not a login problem');
  });
});

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
import { hasScript, onPty } from '../helpers/pty.js';

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
    // One cause (the expired entry podman sends), seen twice: one problem; its fix is marked safe.
    expect(doctor.stderr).toContain(
      '1 problem to fix; `qci doctor --fix` repairs the ones marked (safe)',
    );
    expect(doctor.stdout).toMatch(
      /fix: podman logout --authfile \S+ \S+ \(safe\)$/m,
    );

    const fix = await qci(['doctor', '--fix']);
    expect(fix.exitCode, fix.stdout + fix.stderr).toBe(0);
    // No backup: without the removed secret it would hold just what the file still holds.
    expect(fix.stderr).toMatch(/removed \S+ from ~\/\.docker\/config\.json\n/);
    expect(fix.stderr).toContain(
      `logged podman in to ${bed.proxy.host} as ${bed.user}`,
    );
    expect(fix.stderr).toContain('healthy');
    // The report once (before the fixes), then what was fixed, then only what remains: nothing.
    expect(fix.stdout.match(/holds an expired or revoked/g)).toHaveLength(1);
    expect(fix.stdout.match(/^✓ engines/gm)).toHaveLength(1);
    expect(fix.stderr).toContain('nothing remains');
    expect(fix.stderr).not.toContain('repairs the ones marked');

    const after = await pe.podman(['pull', bed.ref()]);
    expect(after.exitCode, after.stderr).toBe(0);
    const docker = JSON.parse(readFileSync(pe.authFiles.docker, 'utf8'));
    expect(docker).toEqual({
      auths: { 'quay.io': { auth: b64('me:quay-secret') } },
      credHelpers: { 'gcr.io': 'gcloud' },
      psFormat: 'table {{.ID}}',
    });
  });

  const seedFiles = (stale: string) => {
    mkdirSync(dirname(pe.authFiles.docker), { recursive: true });
    writeFileSync(
      pe.authFiles.docker,
      JSON.stringify({
        auths: { [bed.proxy.host]: { auth: b64(`${bed.user}:${stale}`) } },
      }),
    );
  };
  const monthOld = () =>
    bed.appci.createToken(bed.user, {
      createdAt: new Date(Date.now() - 40 * 86_400_000),
    });

  it.skipIf(!hasScript())(
    'on a terminal, --fix shows the report once, what it fixed, then only what remains',
    async () => {
      await fresh();
      seedFiles(monthOld());
      // A warning --fix cannot repair: another user's token in podman's own config file.
      const other = bed.appci.createToken('someone-else');
      mkdirSync(dirname(pe.authFiles.xdgConfig), { recursive: true });
      writeFileSync(
        pe.authFiles.xdgConfig,
        JSON.stringify({
          auths: {
            [`${bed.proxy.host}/elsewhere`]: {
              auth: b64(`someone-else:${other}`),
            },
          },
        }),
      );
      const env = {
        ...pe.env,
        QCI_REGISTRY: bed.proxy.host,
        QCI_TLS_VERIFY: 'false',
        KUBECONFIG: kubeconfig,
      };
      const r = await onPty(['doctor', '--fix'], { env, columns: 200 });
      expect(r.code, r.output).toBe(0);
      const plain = r.output.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
      const parts = plain.split('applying the safe fixes…');
      expect(parts, plain).toHaveLength(2);
      const [before, after] = parts as [string, string];
      expect(before).toMatch(/✗ auth files .*expired or revoked/);
      expect(before).toMatch(/! auth files .*another user's valid/);
      // The report's line, not the live checklist's (`✓ engines  ✓ app.ci …`).
      expect(plain.match(/✓ engines {5,}\S/g)).toHaveLength(1);
      expect(after).toMatch(/removed \S+ from ~\/\.docker\/config\.json/);
      const remains = after.split('what remains:')[1] ?? '';
      expect(remains).toMatch(/! auth files .*another user's valid/);
      // Only what remains: no ✓ and no repaired problem after the fixes.
      expect(remains).not.toMatch(/✓|✗|expired or revoked/);
      expect(remains).toContain('healthy (1 warning)');
      expect(plain).not.toContain(other);
    },
  );

  it('problems are counted by cause, and --fix is named only when a fix line is marked safe', async () => {
    await fresh();
    // A corrupt file: podman fails reading it, and nothing qci may repair by itself.
    mkdirSync(dirname(pe.authFiles.docker), { recursive: true });
    writeFileSync(pe.authFiles.docker, '{"auths": ');
    const corrupt = await qci(['doctor']);
    expect(corrupt.exitCode).toBe(1);
    expect(corrupt.stdout).toContain('fix: fix the JSON in');
    expect(corrupt.stdout).not.toContain('(safe)');
    expect(corrupt.stderr).toMatch(/^\d+ problems? to fix$/m);
    expect(corrupt.stderr).not.toContain('qci doctor --fix');
    // Two causes: the month-old entry podman sends, and an app.ci context whose token was revoked.
    await fresh();
    seedFiles(monthOld());
    const revoked = bed.appci.createToken(bed.user);
    bed.appci.revokeToken(revoked);
    const two = await qci(['doctor', '--json'], {
      KUBECONFIG: await bed.appci.kubeconfig({ token: revoked }),
    });
    const report = JSON.parse(two.stdout);
    const errors = report.findings.filter(
      (f: { severity: string }) => f.severity === 'error',
    );
    expect(errors.length).toBeGreaterThan(2);
    expect(report.problems).toBe(2);
  });

  it('every fix marked safe is one --fix applies: the findings it marks are gone afterwards', async () => {
    await fresh();
    const old = monthOld();
    mkdirSync(dirname(pe.authFiles.docker), { recursive: true });
    // podman sends the expired entry in its own config file; docker's file holds the other kinds.
    mkdirSync(dirname(pe.authFiles.xdgConfig), { recursive: true });
    writeFileSync(
      pe.authFiles.xdgConfig,
      JSON.stringify({
        auths: { [bed.proxy.host]: { auth: b64(`${bed.user}:${old}`) } },
      }),
    );
    writeFileSync(
      pe.authFiles.docker,
      JSON.stringify({
        auths: {
          [bed.proxy.host]: {
            auth: b64(`${bed.user}:${old}`),
            identitytoken: 'refresh',
          },
          [`${bed.proxy.host}/openshift/other`]: { auth: b64('nocolon') },
          'registry.svc.ci.openshift.org': { auth: b64(`me:${old}`) },
          'quay.io': { auth: b64('me:quay-secret') },
        },
      }),
    );
    type F = { id: string; severity: string; fix: string | null };
    const findings = async (args: string[]) => {
      const r = await qci([...args, '--json']);
      return JSON.parse(r.stdout).findings as (F & { autoFix: boolean })[];
    };
    const first = await findings(['doctor']);
    const safe = first.filter((f) => f.autoFix);
    expect(safe.map((f) => f.id)).toEqual(
      expect.arrayContaining([
        'auth.expired',
        'auth.identity-token',
        'auth.unusable',
        'old.auth-decommissioned',
        'registry.credential',
      ]),
    );
    // Text and code agree: a line that says `qci doctor --fix` is marked safe.
    for (const f of first)
      if (f.fix?.includes('qci doctor --fix')) expect(f.autoFix).toBe(true);
    const after = await findings(['doctor', '--fix']);
    const still = after.filter(
      (f) => f.severity !== 'ok' && safe.some((s) => s.id === f.id),
    );
    expect(still).toEqual([]);
    expect(after.filter((f) => f.id === 'registry.credential')).toMatchObject([
      { detail: expect.stringContaining('accepts') },
    ]);
    // What is not QCI's stays.
    expect(JSON.parse(readFileSync(pe.authFiles.docker, 'utf8')).auths).toEqual(
      { 'quay.io': { auth: b64('me:quay-secret') } },
    );
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

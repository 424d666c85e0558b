/**
 * qci doctor end to end, starting with the seed's own scenario: a month-old token in ~/.docker/config.json
 * that `podman logout` cannot remove; then (safe) meaning fixed, and --authfile, on layouts of the
 * differential test's generator (testbed/layouts.ts) with real podman 4.3.1.
 */
import { describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { BIN_DIR, b64, useTestBed, writeJson } from './testbed/fixture.js';
import { fakeCredentialStore } from './testbed/fake-helper.js';
import {
  materialize,
  type Layout,
  type LayoutFile,
} from './testbed/layouts.js';
import { pathWithout } from './testbed/tools.js';
import { hasScript, onPty } from '../helpers/pty.js';

const tools = requireTools(TESTBED_TOOLS);

describe.skipIf(!tools.ok)('qci doctor (end to end)', () => {
  let kubeconfig: string;
  const tb = useTestBed({
    denyMode: 'auth-401',
    // The test registry speaks plain HTTP: QCI_TLS_VERIFY=false, as a user of a local registry would set.
    qciEnv: (bed) => ({
      QCI_REGISTRY: bed.proxy.host,
      QCI_TLS_VERIFY: 'false',
      KUBECONFIG: kubeconfig,
    }),
    setup: async (bed) => {
      kubeconfig = await bed.appci.kubeconfig({ token: bed.token });
    },
  });
  const fresh = () => tb.freshPodman();
  const { qci } = tb;

  it("the seed's scenario: doctor names the file and the cause, --fix repairs it, a plain podman pull works", async () => {
    await fresh();
    const stale = tb.bed.appci.createToken(tb.bed.user, {
      createdAt: new Date(Date.now() - 40 * 86_400_000),
    });
    writeJson(tb.pe.authFiles.docker, {
      auths: {
        [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${stale}`) },
        'quay.io': { auth: b64('me:quay-secret') },
      },
      credHelpers: { 'gcr.io': 'gcloud' },
      psFormat: 'table {{.ID}}',
    });
    // As the seed says: podman logout does not touch ~/.docker/config.json, and the pull keeps failing.
    const logout = await tb.pe.podman(['logout', tb.bed.proxy.host]);
    expect(logout.exitCode).toBe(125);
    expect(logout.stderr).toContain('not logged into');
    const pull = await tb.pe.podman(['pull', tb.bed.ref()]);
    expect(pull.exitCode).toBe(125);

    const doctor = await qci(['doctor']);
    expect(doctor.exitCode, doctor.stdout + doctor.stderr).toBe(1);
    expect(doctor.stdout).toMatch(
      /✗ auth files\s+\S+ in ~\/\.docker\/config\.json holds an expired or revoked app\.ci token \(sha256~.{4}…\); podman and docker send it; `podman logout` does not remove it/,
    );
    expect(doctor.stdout).toContain(
      `fix: podman logout --authfile ~/.docker/config.json ${tb.bed.proxy.host}`,
    );
    expect(doctor.stdout).toMatch(
      /✗ registry\s+\S+ rejects the credential podman sends/,
    );
    expect(doctor.stdout + doctor.stderr).not.toContain(stale);
    expect(doctor.stdout + doctor.stderr).not.toContain(tb.bed.token);
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
      `logged podman in to ${tb.bed.proxy.host} as ${tb.bed.user}`,
    );
    expect(fix.stderr).toContain('healthy');
    // The report once (before the fixes), then what was fixed, then only what remains: nothing.
    expect(fix.stdout.match(/holds an expired or revoked/g)).toHaveLength(1);
    expect(fix.stdout.match(/^✓ engines/gm)).toHaveLength(1);
    expect(fix.stderr).toContain('nothing remains');
    expect(fix.stderr).not.toContain('repairs the ones marked');

    const after = await tb.pe.podman(['pull', tb.bed.ref()]);
    expect(after.exitCode, after.stderr).toBe(0);
    const docker = JSON.parse(readFileSync(tb.pe.authFiles.docker, 'utf8'));
    expect(docker).toEqual({
      auths: { 'quay.io': { auth: b64('me:quay-secret') } },
      credHelpers: { 'gcr.io': 'gcloud' },
      psFormat: 'table {{.ID}}',
    });
  });

  const seedFiles = (stale: string) =>
    tb.storeCredential(tb.pe.authFiles.docker, stale);
  const monthOld = () =>
    tb.bed.appci.createToken(tb.bed.user, {
      createdAt: new Date(Date.now() - 40 * 86_400_000),
    });

  it.skipIf(!hasScript())(
    'on a terminal, --fix shows the report once, what it fixed, then only what remains',
    async () => {
      await fresh();
      seedFiles(monthOld());
      // A warning --fix cannot repair: another user's token in podman's own config file.
      const other = tb.bed.appci.createToken('someone-else');
      writeJson(tb.pe.authFiles.xdgConfig, {
        auths: {
          [`${tb.bed.proxy.host}/elsewhere`]: {
            auth: b64(`someone-else:${other}`),
          },
        },
      });
      const env = {
        ...tb.pe.env,
        QCI_REGISTRY: tb.bed.proxy.host,
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
    mkdirSync(dirname(tb.pe.authFiles.docker), { recursive: true });
    writeFileSync(tb.pe.authFiles.docker, '{"auths": ');
    const corrupt = await qci(['doctor']);
    expect(corrupt.exitCode).toBe(1);
    expect(corrupt.stdout).toContain('fix: fix the JSON in');
    expect(corrupt.stdout).not.toContain('(safe)');
    expect(corrupt.stderr).toMatch(/^\d+ problems? to fix$/m);
    expect(corrupt.stderr).not.toContain('qci doctor --fix');
    // Two causes: the month-old entry podman sends, and an app.ci context whose token was revoked.
    await fresh();
    seedFiles(monthOld());
    const revoked = tb.bed.appci.createToken(tb.bed.user);
    tb.bed.appci.revokeToken(revoked);
    const two = await qci(['doctor', '--json'], {
      KUBECONFIG: await tb.bed.appci.kubeconfig({ token: revoked }),
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
    // podman sends the expired entry in its own config file; docker's file holds the other kinds.
    tb.storeCredential(tb.pe.authFiles.xdgConfig, old);
    writeJson(tb.pe.authFiles.docker, {
      auths: {
        [tb.bed.proxy.host]: {
          auth: b64(`${tb.bed.user}:${old}`),
          identitytoken: 'refresh',
        },
        [`${tb.bed.proxy.host}/openshift/other`]: { auth: b64('nocolon') },
        'registry.svc.ci.openshift.org': { auth: b64(`me:${old}`) },
        'quay.io': { auth: b64('me:quay-secret') },
      },
    });
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
    expect(
      JSON.parse(readFileSync(tb.pe.authFiles.docker, 'utf8')).auths,
    ).toEqual({ 'quay.io': { auth: b64('me:quay-secret') } });
  });

  /** A layout of the differential test's generator (testbed/layouts.ts), written by hand. */
  const layoutEnv = async (
    files: LayoutFile[],
    extra: Partial<Layout> = {},
  ) => {
    const dir = await tb.pe.scratchDir('layout-');
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const layout: Layout = {
      id: 0,
      registryAuthFile: 'unset',
      dockerConfig: 'unset',
      authfile: 'none',
      files,
      ...extra,
    };
    const m = await materialize(layout, dir, bin, tb.pe.env.PATH ?? '');
    return { ...m, bin, dir };
  };

  it('(safe) means fixed: after --fix, no finding marked safe remains, and only dead entries were removed', async () => {
    await fresh();
    const host = tb.bed.proxy.host;
    const old = monthOld();
    const valid = tb.bed.appci.createToken(tb.bed.user);
    const decommissioned = 'registry.svc.ci.openshift.org';
    // podman asks a helper that answers with an identity token; its config file holds an expired entry
    // beside a valid per-repository key (the key podman sends once the helper is erased), an identity
    // token, an entry without a password and the decommissioned registry's; docker's helper answers with
    // an expired token.
    const config = {
      auths: {
        [host]: { auth: b64(`${tb.bed.user}:${old}`) },
        [`${host}/openshift/ci`]: { auth: b64(`${tb.bed.user}:${valid}`) },
        [`${host}/openshift`]: {
          auth: b64(`${tb.bed.user}:${old}`),
          identitytoken: 'refresh',
        },
        [`${host}/openshift/other`]: { auth: b64('nocolon') },
        [decommissioned]: { auth: b64(`me:${old}`) },
        'quay.io': { auth: b64('me:quay-secret') },
      },
    };
    const m = await layoutEnv([
      {
        slot: 'xdgRuntime',
        content: { auths: {}, credHelpers: { [host]: 'tok' } },
      },
      { slot: 'xdgConfig', content: config },
      {
        slot: 'docker',
        content: { auths: {}, credHelpers: { [host]: 'expiring' } },
      },
    ]);
    const tok = fakeCredentialStore(m.bin, m.dir, 'tok');
    tok.write({ [host]: { Username: '<token>', Secret: 'refresh-secret' } });
    const expiring = fakeCredentialStore(m.bin, m.dir, 'expiring');
    expiring.write({ [host]: { Username: tb.bed.user, Secret: old } });
    type F = { id: string; severity: string; detail: string; autoFix: boolean };
    const doctor = async (args: string[]) => {
      const r = await qci([...args, '--json'], m.env);
      return JSON.parse(r.stdout).findings as F[];
    };
    const first = await doctor(['doctor']);
    const safe = first.filter((f) => f.autoFix && f.severity !== 'ok');
    expect(safe.map((f) => f.id).sort()).toEqual(
      [
        'auth.expired',
        'auth.helper-expired',
        'auth.helper-identity-token',
        'auth.identity-token',
        'auth.unusable',
        'old.auth-decommissioned',
      ].sort(),
    );
    const fix = await qci(['doctor', '--fix'], m.env);
    expect(fix.stderr).toContain('erased the dead QCI secret');
    const after = await doctor(['doctor']);
    // Each finding marked safe is gone: nothing is about the same entry or helper, or of the same id.
    for (const s of safe) {
      const about = s.detail.split(/[:;]/)[0] ?? s.detail;
      expect(
        after.filter(
          (f) =>
            f.severity !== 'ok' &&
            (f.detail.startsWith(about) || f.id === s.id),
        ),
      ).toEqual([]);
    }
    // Only the dead entries went: the valid per-repository key stays, and what is not QCI's.
    const auths = JSON.parse(readFileSync(m.paths.xdgConfig, 'utf8')).auths;
    expect(auths).toEqual({
      [`${host}/openshift/ci`]: { auth: b64(`${tb.bed.user}:${valid}`) },
      'quay.io': { auth: b64('me:quay-secret') },
    });
    expect(after).toContainEqual(
      expect.objectContaining({ id: 'registry.credential', severity: 'ok' }),
    );
    // Once the helper's identity token is erased, podman goes on to the valid per-repository key: no
    // new login is needed.
    expect(fix.stderr).not.toContain('logged podman in');
    const pull = await tb.pe.podman(['pull', tb.bed.ref()], { env: m.env });
    expect(pull.exitCode, pull.stderr).toBe(0);
  });

  it('(safe) means fixed: with nothing to send, or a rejected credential, --fix logs in', async () => {
    await fresh();
    const host = tb.bed.proxy.host;
    for (const files of [
      [] as LayoutFile[],
      [
        {
          slot: 'xdgRuntime',
          content: { auths: { [host]: { auth: b64(`u:${monthOld()}`) } } },
        } as LayoutFile,
      ],
    ]) {
      const m = await layoutEnv(files);
      const ids = async () => {
        const r = await qci(['doctor', '--json'], m.env);
        return (
          JSON.parse(r.stdout).findings as {
            id: string;
            severity: string;
            autoFix: boolean;
          }[]
        ).filter((f) => f.severity !== 'ok');
      };
      const safe = (await ids()).filter((f) => f.autoFix).map((f) => f.id);
      expect(safe.length).toBeGreaterThan(0);
      const fix = await qci(['doctor', '--fix'], m.env);
      expect(fix.exitCode, fix.stderr).toBe(0);
      const after = (await ids()).map((f) => f.id);
      for (const id of safe) expect(after).not.toContain(id);
    }
  });

  describe('--authfile PATH: what `podman --authfile PATH pull` sends', () => {
    /** A generated layout with podman --authfile (`file` or `dangling`), under a fresh podman env. */
    const layout = async (
      authfile: Layout['authfile'],
      files: LayoutFile[],
    ) => {
      await fresh();
      const m = await layoutEnv(files, { authfile });
      return { ...m, path: m.authfile ?? '' };
    };
    type F = { id: string; severity: string; detail: string };
    const json = async (
      args: string[],
      env: Record<string, string | undefined>,
    ) => {
      const r = await qci([...args, '--json'], env);
      return { exitCode: r.exitCode, report: JSON.parse(r.stdout) };
    };
    const pull = (path: string, env: Record<string, string | undefined>) =>
      tb.pe.podman(['pull', '--authfile', path, tb.bed.ref()], { env });

    it('a missing --authfile: podman fails before sending, doctor says so, --fix logs in into it', async () => {
      const valid = tb.bed.appci.createToken(tb.bed.user);
      const m = await layout('dangling', [
        {
          slot: 'xdgConfig',
          content: {
            auths: { [tb.bed.proxy.host]: { auth: b64(`u:${valid}`) } },
          },
        },
      ]);
      // Seen with podman 4.3.1: it stats the file first, and sends nothing.
      const failed = await pull(m.path, m.env);
      expect(failed.exitCode).toBe(125);
      expect(failed.stderr).toContain(
        `Error: stat ${m.path}: no such file or directory`,
      );
      // Without --authfile, doctor sees a healthy machine.
      expect((await qci(['doctor'], m.env)).exitCode).toBe(0);

      const doctor = await qci(['doctor', '--authfile', m.path], m.env);
      expect(doctor.exitCode, doctor.stdout + doctor.stderr).toBe(1);
      expect(doctor.stdout).toMatch(
        /✗ auth files\s+--authfile \S+ does not exist: `podman --authfile \S+ pull` stats it first and fails before sending anything \("Error: stat \S+: no such file or directory", exit 125\)/,
      );
      expect(doctor.stdout).toContain(
        `fix: qci login --authfile ${m.path} (safe)`,
      );
      const { report } = await json(['doctor', '--authfile', m.path], m.env);
      expect(report.authfile).toBe(m.path);
      expect(report.findings).toContainEqual(
        expect.objectContaining({
          id: 'auth.authfile-missing',
          severity: 'error',
          autoFix: true,
        }),
      );

      const fix = await qci(['doctor', '--authfile', m.path, '--fix'], m.env);
      expect(fix.exitCode, fix.stdout + fix.stderr).toBe(0);
      expect(fix.stderr).toContain(
        `logged podman in to ${tb.bed.proxy.host} as ${tb.bed.user}`,
      );
      expect(statSync(m.path).mode & 0o777).toBe(0o600);
      const after = await json(['doctor', '--authfile', m.path], m.env);
      expect(after.exitCode).toBe(0);
      expect(
        (after.report.findings as F[]).filter((f) => f.severity === 'error'),
      ).toEqual([]);
      expect((await pull(m.path, m.env)).exitCode).toBe(0);
    });

    it('a dead token in --authfile: an error; --fix removes that entry from that file (no backup: it would keep only the dead secret) and logs in into it', async () => {
      const old = monthOld();
      const valid = tb.bed.appci.createToken(tb.bed.user);
      const m = await layout('file', [
        {
          slot: 'authfile',
          content: {
            auths: {
              [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${old}`) },
              'quay.io': { auth: b64('me:quay-secret') },
            },
          },
        },
        {
          slot: 'xdgRuntime',
          content: {
            auths: {
              [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${valid}`) },
            },
          },
        },
      ]);
      // podman's own files work; `podman --authfile` sends the dead token, read first.
      expect(
        (await tb.pe.podman(['pull', tb.bed.ref()], { env: m.env })).exitCode,
      ).toBe(0);
      expect((await pull(m.path, m.env)).exitCode).toBe(125);
      expect((await qci(['doctor'], m.env)).exitCode).toBe(0);

      const { exitCode, report } = await json(
        ['doctor', '--authfile', m.path],
        m.env,
      );
      expect(exitCode).toBe(1);
      expect(report.findings).toContainEqual(
        expect.objectContaining({
          id: 'auth.expired',
          severity: 'error',
          autoFix: true,
          detail: expect.stringMatching(
            new RegExp(`in ${m.path} holds an expired .*; podman sends it`),
          ),
        }),
      );

      const fix = await qci(['doctor', '--authfile', m.path, '--fix'], m.env);
      expect(fix.exitCode, fix.stdout + fix.stderr).toBe(0);
      expect(fix.stderr).toContain(
        `removed ${tb.bed.proxy.host} from ${m.path}\n`,
      );
      expect(fix.stderr).toMatch(
        new RegExp(
          `logged podman in to \\S+ as ${tb.bed.user} \\(credential in ${m.path}\\)`,
        ),
      );
      const written = JSON.parse(readFileSync(m.path, 'utf8'));
      expect(written.auths['quay.io']).toEqual({ auth: b64('me:quay-secret') });
      expect(written.auths[tb.bed.proxy.host]).toBeDefined();
      expect(JSON.stringify(written)).not.toContain(
        b64(`${tb.bed.user}:${old}`),
      );
      expect(statSync(m.path).mode & 0o777).toBe(0o600);
      const backups = readdirSync(dirname(m.path)).filter((n) =>
        n.startsWith(`${basename(m.path)}.qci-backup-`),
      );
      expect(backups).toEqual([]);
      // podman's own file is untouched.
      expect(
        JSON.parse(readFileSync(m.paths.xdgRuntime, 'utf8')).auths[
          tb.bed.proxy.host
        ],
      ).toEqual({ auth: b64(`${tb.bed.user}:${valid}`) });
      expect((await pull(m.path, m.env)).exitCode).toBe(0);
      expect(
        (await json(['doctor', '--authfile', m.path], m.env)).exitCode,
      ).toBe(0);
    });

    it('podman 4.3.1 reads its other files after an --authfile without a QCI entry: doctor says so', async () => {
      const valid = tb.bed.appci.createToken(tb.bed.user);
      const m = await layout('file', [
        { slot: 'authfile', content: { auths: {} } },
        {
          slot: 'xdgConfig',
          content: {
            auths: { [tb.bed.proxy.host]: { auth: b64(`u:${valid}`) } },
          },
        },
      ]);
      expect(existsSync(m.path)).toBe(true);
      // Seen with podman 4.3.1: the pull works with the entry of ~/.config/containers/auth.json.
      expect((await pull(m.path, m.env)).exitCode).toBe(0);
      const { exitCode, report } = await json(
        ['doctor', '--authfile', m.path],
        m.env,
      );
      expect(exitCode).toBe(0);
      const fallback = (report.findings as F[]).find(
        (f) => f.id === 'auth.authfile-fallback',
      );
      expect(fallback?.severity).toBe('warn');
      expect(fallback?.detail).toMatch(
        /it sends \S+ in ~\/\.config\/containers\/auth\.json \(.*still read after --authfile by podman < 4\.4 \(podman 4\.3\.1\)\); podman 4\.4 and later read only --authfile/,
      );
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
    const soon = tb.bed.appci.createToken(tb.bed.user, { expiresIn: 86_400 });
    const otherToken = tb.bed.appci.createToken('someone-else');
    tb.storeCredential(tb.pe.authFiles.docker, otherToken, 'someone-else');
    const doctor = await qci(['doctor'], {
      KUBECONFIG: await tb.bed.appci.kubeconfig({ token: soon }),
      REGISTRY_AUTH_FILE: `${tb.pe.dir}/nope.json`,
    });
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout).toMatch(
      /! app\.ci\s+the app\.ci token sha256~.{4}… expires in (23|24) hours/,
    );
    expect(doctor.stdout).toContain(
      `REGISTRY_AUTH_FILE points at ${tb.pe.dir}/nope.json, which does not exist`,
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
    const token = tb.bed.appci.createToken(tb.bed.user);
    const kc = await tb.bed.appci.kubeconfig({ token });
    const env = {
      PATH: `${BIN_DIR}:${process.env.PATH ?? ''}`,
      KUBECONFIG: kc,
    };
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
    tb.bed.appci.revokeToken(token);
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

  it('--fix with app.ci out of reach does not try a login it knows cannot work: it says why', async () => {
    await fresh();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const away = join(tb.pe.dir, 'away-kubeconfig');
    writeFileSync(
      away,
      readFileSync(kubeconfig, 'utf8').replace(
        tb.bed.appci.url,
        'https://127.0.0.1:1',
      ),
    );
    const fix = await qci(['doctor', '--fix'], { KUBECONFIG: away });
    expect(fix.stderr).toContain(
      'not logged in: app.ci cannot be reached (above); run qci login once it can be',
    );
    expect(fix.stderr).not.toContain('logged podman in');
    expect(existsSync(tb.pe.authFiles.xdgRuntime)).toBe(false);
  });

  it('--explain decodes a pasted error without running checks', async () => {
    await fresh();
    const text = `Error: initializing source docker://${tb.bed.ref()}: unable to retrieve auth token: invalid username/password: unauthorized: authentication required`;
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
    // Nothing to explain, or a fix asked of an explanation: what was typed is wrong, nothing is run.
    for (const args of [
      ['--explain', ' '],
      ['--explain', 'manifest unknown', '--fix'],
    ]) {
      const wrong = await qci(['doctor', ...args]);
      expect(wrong.exitCode, wrong.stderr).toBe(2);
      expect(wrong.stdout).toBe('');
    }
  });
});

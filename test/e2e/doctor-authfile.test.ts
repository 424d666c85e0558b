/**
 * qci doctor --authfile PATH end to end: what `podman --authfile PATH pull` sends, judged on layouts of
 * the differential test's generator (testbed/layouts.ts) with real podman 4.3.1, and --fix repairing
 * that file.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TESTBED_TOOLS,
  createPodmanEnv,
  requireTools,
  startTestBed,
  type PodmanEnv,
  type TestBed,
} from './testbed/index.js';
import {
  materialize,
  type Layout,
  type LayoutFile,
} from './testbed/layouts.js';

const tools = requireTools(TESTBED_TOOLS);
const QCI = fileURLToPath(new URL('../../bin/qci', import.meta.url));
const b64 = (s: string) => Buffer.from(s).toString('base64');

type F = { id: string; severity: string; detail: string; fix: string | null };

describe.skipIf(!tools.ok)('qci doctor --authfile (end to end)', () => {
  let bed: TestBed;
  let pe: PodmanEnv;
  let kubeconfig: string;

  beforeAll(async () => {
    bed = await startTestBed({ denyMode: 'auth-401' });
    kubeconfig = await bed.appci.kubeconfig({ token: bed.token });
  });
  afterAll(async () => bed?.stop());
  afterEach(async () => pe?.stop());

  /** A generated layout (podman --authfile: `file` or `dangling`), written under a fresh podman env. */
  const layout = async (authfile: Layout['authfile'], files: LayoutFile[]) => {
    pe = await createPodmanEnv({ insecureRegistries: [bed.proxy.host] });
    const dir = await pe.scratchDir('layout-');
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const m = await materialize(
      {
        id: 0,
        registryAuthFile: 'unset',
        dockerConfig: 'unset',
        authfile,
        files,
      },
      dir,
      bin,
      pe.env.PATH ?? '',
    );
    return { ...m, path: m.authfile ?? '' };
  };
  const qci = (args: string[], env: Record<string, string | undefined>) =>
    pe.run(process.execPath, [QCI, ...args], {
      env: {
        QCI_REGISTRY: bed.proxy.host,
        QCI_TLS_VERIFY: 'false',
        KUBECONFIG: kubeconfig,
        ...env,
      },
    });
  const json = async (
    args: string[],
    env: Record<string, string | undefined>,
  ) => {
    const r = await qci([...args, '--json'], env);
    return { exitCode: r.exitCode, report: JSON.parse(r.stdout) };
  };
  const monthOld = () =>
    bed.appci.createToken(bed.user, {
      createdAt: new Date(Date.now() - 40 * 86_400_000),
    });
  const pull = (path: string, env: Record<string, string | undefined>) =>
    pe.podman(['pull', '--authfile', path, bed.ref()], { env });

  it('a missing --authfile: podman fails before sending, doctor says so, --fix logs in into it', async () => {
    const valid = bed.appci.createToken(bed.user);
    const m = await layout('dangling', [
      {
        slot: 'xdgConfig',
        content: { auths: { [bed.proxy.host]: { auth: b64(`u:${valid}`) } } },
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
      `logged podman in to ${bed.proxy.host} as ${bed.user}`,
    );
    expect(statSync(m.path).mode & 0o777).toBe(0o600);
    const after = await json(['doctor', '--authfile', m.path], m.env);
    expect(after.exitCode).toBe(0);
    expect(
      (after.report.findings as F[]).filter((f) => f.severity === 'error'),
    ).toEqual([]);
    expect((await pull(m.path, m.env)).exitCode).toBe(0);
  });

  it('a dead token in --authfile: an error; --fix removes that entry from that file (backup, 0600) and logs in into it', async () => {
    const old = monthOld();
    const valid = bed.appci.createToken(bed.user);
    const m = await layout('file', [
      {
        slot: 'authfile',
        content: {
          auths: {
            [bed.proxy.host]: { auth: b64(`${bed.user}:${old}`) },
            'quay.io': { auth: b64('me:quay-secret') },
          },
        },
      },
      {
        slot: 'xdgRuntime',
        content: {
          auths: { [bed.proxy.host]: { auth: b64(`${bed.user}:${valid}`) } },
        },
      },
    ]);
    // podman's own files work; `podman --authfile` sends the dead token, read first.
    expect(
      (await pe.podman(['pull', bed.ref()], { env: m.env })).exitCode,
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
      `removed ${bed.proxy.host} from ${m.path} (backup: ${m.path}.qci-backup-`,
    );
    expect(fix.stderr).toMatch(
      new RegExp(
        `logged podman in to \\S+ as ${bed.user} \\(credential in ${m.path}\\)`,
      ),
    );
    const written = JSON.parse(readFileSync(m.path, 'utf8'));
    expect(written.auths['quay.io']).toEqual({ auth: b64('me:quay-secret') });
    expect(written.auths[bed.proxy.host]).toBeDefined();
    expect(JSON.stringify(written)).not.toContain(b64(`${bed.user}:${old}`));
    expect(statSync(m.path).mode & 0o777).toBe(0o600);
    const backups = readdirSync(dirname(m.path)).filter((n) =>
      n.startsWith(`${basename(m.path)}.qci-backup-`),
    );
    expect(backups.length).toBeGreaterThan(0);
    for (const b of backups)
      expect(statSync(join(dirname(m.path), b)).mode & 0o777).toBe(0o600);
    // podman's own file is untouched.
    expect(
      JSON.parse(readFileSync(m.paths.xdgRuntime, 'utf8')).auths[
        bed.proxy.host
      ],
    ).toEqual({ auth: b64(`${bed.user}:${valid}`) });
    expect((await pull(m.path, m.env)).exitCode).toBe(0);
    expect((await json(['doctor', '--authfile', m.path], m.env)).exitCode).toBe(
      0,
    );
  });

  it('podman 4.3.1 reads its other files after an --authfile without a QCI entry: doctor says so', async () => {
    const valid = bed.appci.createToken(bed.user);
    const m = await layout('file', [
      { slot: 'authfile', content: { auths: {} } },
      {
        slot: 'xdgConfig',
        content: { auths: { [bed.proxy.host]: { auth: b64(`u:${valid}`) } } },
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

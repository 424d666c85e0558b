/**
 * Safe auth-file writes, end to end with the real bin/qci, podman 4.3.1 and the registry test bed:
 * backups never follow a planted link and never keep a removed secret; a lock left empty never wedges
 * writes; SIGKILL at many random points of login and logout never corrupts the file or loses a key;
 * a plain `podman login` racing qci's is kept; a killed qci exec's directory is removed later.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { b64, useTestBed, writeJson } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);

/** Every file under `dir`, recursively (links not followed). */
function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const info = lstatSync(path);
    return info.isDirectory() ? allFiles(path) : info.isFile() ? [path] : [];
  });
}

/** `20261128T120000Z`, as qci names backups. */
const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');

describe.skipIf(!tools.ok)('safe auth-file writes (end to end)', () => {
  const tb = useTestBed({ denyMode: 'auth-401' });
  const { qci } = tb;
  const fresh = (dockerConfig = false) =>
    tb.freshPodman({
      insecureRegistries: [tb.bed.proxy.host, `localhost:${tb.bed.proxy.port}`],
      dockerConfig,
    });

  /** Files anywhere in the environment that hold the token, raw or as base64(user:token). */
  function filesHolding(token: string): string[] {
    return allFiles(tb.pe.dir).filter((file) => {
      if (statSync(file).size > 1024 * 1024) return false;
      const text = readFileSync(file, 'latin1');
      return (
        text.includes(token) || text.includes(b64(`${tb.bed.user}:${token}`))
      );
    });
  }

  it('backups never follow a symlink planted at their (predictable) name', async () => {
    await fresh();
    const file = tb.pe.authFiles.xdgConfig;
    // `logout --helper` removes the credHelpers entry: the backup keeps it.
    writeJson(file, {
      auths: { 'other.example.com': { auth: b64('someone:keep-me') } },
      credHelpers: { [tb.bed.proxy.host]: 'qci' },
    });
    // Another user's trap: every name qci could pick in the next seconds links to a file of theirs.
    const stolen = join(tb.pe.dir, 'stolen');
    const now = Date.now();
    for (let s = -1; s < 15; s++)
      for (const suffix of ['', '-2', '-3'])
        symlinkSync(
          stolen,
          `${file}.qci-backup-${stamp(now + s * 1000)}${suffix}`,
        );
    const logout = await qci(['logout', '--helper']);
    expect(logout.exitCode, logout.stderr).toBe(0);
    expect(existsSync(stolen)).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8')).auths).toEqual({
      'other.example.com': { auth: b64('someone:keep-me') },
    });
    const backup = /\(backup: (\S+)\)/.exec(logout.stderr)?.[1];
    expect(backup).toBeDefined();
    const path = backup!.replace(/^~/, tb.pe.home);
    const info = lstatSync(path);
    expect(info.isFile()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('a backup the disk has no room for is removed, and the file is left as it was', async (ctx) => {
    await fresh();
    // A 64 KiB tmpfs holding a 40 KiB auth file: the backup cannot fit.
    const dir = join(tb.pe.dir, 'small');
    mkdirSync(dir);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    } catch {
      if (process.env.CI === 'true' && process.getuid?.() === 0)
        throw new Error('mount failed');
      ctx.skip();
    }
    try {
      const file = join(dir, 'auth.json');
      const big = {
        auths: {
          'other.example.com': { auth: b64(`someone:${'k'.repeat(40_000)}`) },
        },
        credHelpers: { [tb.bed.proxy.host]: 'qci' },
      };
      writeJson(file, big);
      const before = readFileSync(file, 'utf8');
      const logout = await qci(['logout', '--helper'], {
        REGISTRY_AUTH_FILE: file,
      });
      expect(logout.exitCode).toBe(1);
      expect(logout.stderr).toMatch(/cannot back up \S+auth\.json \(ENOSPC\)/);
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(readdirSync(dir)).toEqual(['auth.json']);
    } finally {
      execFileSync('umount', [dir]);
    }
  });

  it('after logout (and after login --helper style removals) no file qci wrote holds a QCI secret', async () => {
    await fresh();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const older = tb.bed.appci.createToken(tb.bed.user);
    writeJson(tb.pe.authFiles.docker, {
      auths: {
        [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${older}`) },
        'other.example.com': { auth: b64('someone:keep-me') },
      },
      psFormat: 'table {{.ID}}',
    });
    // Two logins: each backs up the file it replaces, the second's backup holds the first's token.
    for (let i = 0; i < 2; i++) {
      const login = await qci(['login'], { KUBECONFIG: kubeconfig });
      expect(login.exitCode, login.stderr).toBe(0);
    }
    expect(filesHolding(tb.bed.token).length).toBeGreaterThan(0);
    const logout = await qci(['logout']);
    expect(logout.exitCode, logout.stderr).toBe(0);
    expect(filesHolding(tb.bed.token)).toEqual([]);
    expect(filesHolding(older)).toEqual([]);
    // The other entries survive, in the files and in the backups.
    expect(JSON.parse(readFileSync(tb.pe.authFiles.docker, 'utf8'))).toEqual({
      auths: { 'other.example.com': { auth: b64('someone:keep-me') } },
      psFormat: 'table {{.ID}}',
    });
    // Bounded: never more than five backups per file.
    for (const file of Object.values(tb.pe.authFiles) as string[]) {
      if (!existsSync(dirname(file))) continue;
      const backups = readdirSync(dirname(file)).filter((n) =>
        n.includes('.qci-backup-'),
      );
      expect(backups.length).toBeLessThanOrEqual(5);
    }
  });

  it('an empty lock file (writer killed before filling it) is broken at once', async () => {
    await fresh();
    const file = tb.pe.authFiles.xdgConfig;
    writeJson(file, {
      auths: { [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:x`) } },
    });
    writeFileSync(`${file}.qci-lock`, '');
    // Old enough for no writer to be still filling it.
    execFileSync('touch', ['-d', '5 seconds ago', `${file}.qci-lock`]);
    const logout = await qci(['logout']);
    expect(logout.exitCode, logout.stderr).toBe(0);
    expect(logout.ms).toBeLessThan(8000);
    expect(existsSync(`${file}.qci-lock`)).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8')).auths).toEqual({});
  });

  /** The keys podman 4.3.1 drops from a DOCKER_CONFIG file it logs in to, and an entry of another host. */
  const keep = {
    credsStore: 'secretservice',
    HttpHeaders: { 'User-Agent': 'kept' },
    psFormat: 'table {{.ID}}',
  };

  it('SIGKILL at 15 random points of login and logout (podman < 4.8, DOCKER_CONFIG): the file is always valid and keeps every key; the next run is not wedged and leaves nothing behind', async () => {
    await fresh(true);
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const file = tb.pe.authFiles.docker;
    writeJson(file, {
      auths: { 'other.example.com': { auth: b64('someone:keep-me') } },
      ...keep,
    });
    // How long a login takes here, to spread the kills over it.
    const timed = await qci(['login'], { KUBECONFIG: kubeconfig });
    expect(timed.exitCode, timed.stderr).toBe(0);
    const span = timed.ms;
    // Until 15 runs were killed part-way (a kill after a quick logout's end kills nothing): at most 90.
    let killed = 0;
    for (let i = 0; killed < 15 && i < 90; i++) {
      const command = i % 3 === 2 ? 'logout' : 'login';
      const at = 50 + Math.floor(Math.random() * span);
      const r = await qci(
        [command],
        { KUBECONFIG: kubeconfig },
        { timeoutMs: at },
      );
      if (r.signal === 'SIGKILL') killed++;
      const json = JSON.parse(readFileSync(file, 'utf8'));
      expect(json, `after ${command} killed at ${at} ms`).toMatchObject(keep);
      expect(json.auths['other.example.com']).toEqual({
        auth: b64('someone:keep-me'),
      });
    }
    expect(killed).toBe(15);
    // The next login is not held up by anything a kill left, and leaves no temp file or private copy.
    const after = await qci(['login'], { KUBECONFIG: kubeconfig });
    expect(after.exitCode, after.stderr).toBe(0);
    expect(after.ms).toBeLessThan(span + 8000);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject(keep);
    const leftovers = [
      ...readdirSync(dirname(file)).filter(
        (n) => n.includes('.qci-tmp-') || n.includes('.qci-lock'),
      ),
      ...readdirSync(tb.pe.xdgRuntimeDir).filter((n) => n.startsWith('qci-')),
    ];
    expect(leftovers).toEqual([]);
    const pull = await tb.pe.podman(['pull', tb.bed.ref()]);
    expect(pull.exitCode, pull.stderr).toBe(0);
  }, 300_000);

  it('a plain podman login at the same moment as qci login: both entries are kept', async () => {
    await fresh();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const other = `localhost:${tb.bed.proxy.port}`;
    for (let round = 0; round < 4; round++) {
      writeJson(tb.pe.authFiles.xdgRuntime, { ...keep, auths: {} });
      const [mine, theirs] = await Promise.all([
        qci(['login'], { KUBECONFIG: kubeconfig }),
        tb.pe.podman(
          [
            'login',
            '--password-stdin',
            '-u',
            tb.bed.user,
            '--tls-verify=false',
            other,
          ],
          { input: tb.bed.token },
        ),
      ]);
      expect(mine.exitCode, mine.stderr).toBe(0);
      expect(theirs.exitCode, theirs.stderr).toBe(0);
      const json = JSON.parse(readFileSync(tb.pe.authFiles.xdgRuntime, 'utf8'));
      expect(Object.keys(json.auths).sort()).toEqual(
        [tb.bed.proxy.host, other].sort(),
      );
    }
  }, 120_000);

  it('qci exec killed with SIGKILL: its credential directory is removed by the next qci exec', async () => {
    await fresh();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const killedRun = await qci(
      ['exec', '--', 'sleep', '30'],
      { KUBECONFIG: kubeconfig },
      { timeoutMs: 3000 },
    );
    expect(killedRun.signal).toBe('SIGKILL');
    const left = readdirSync(tb.pe.xdgRuntimeDir).filter((n) =>
      n.startsWith('qci-exec-'),
    );
    expect(left).toHaveLength(1);
    expect(filesHolding(tb.bed.token).length).toBeGreaterThan(0);
    const next = await qci(['exec', '--', 'true'], { KUBECONFIG: kubeconfig });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(
      readdirSync(tb.pe.xdgRuntimeDir).filter((n) => n.startsWith('qci-exec-')),
    ).toEqual([]);
    expect(filesHolding(tb.bed.token)).toEqual([]);
  });
});

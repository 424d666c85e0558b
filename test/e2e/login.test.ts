/**
 * qci login, logout and whoami end to end: the real bin/qci, real podman 4.3.1, a real registry behind a
 * quay-proxy-like auth layer, and a fake app.ci API over HTTPS spoken to by @kubernetes/client-node.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { acquireLock } from '../../src/auth/index.js';
import { watchCommandLines } from './argv-watch.js';
import { TESTBED_TOOLS, requireTools, type TestBed } from './testbed/index.js';
import { b64, useTestBed, writeJson } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);

describe.skipIf(!tools.ok)('qci login / logout / whoami (end to end)', () => {
  const tb = useTestBed({ denyMode: 'auth-401' });
  const freshPodman = () =>
    tb.freshPodman({
      insecureRegistries: [tb.bed.proxy.host, `localhost:${tb.bed.proxy.port}`],
    });
  const { qci } = tb;

  /** Every auth file podman or docker reads, as bytes (null when absent): "no file is changed" checks. */
  function snapshot(): Record<string, string | null> {
    return Object.fromEntries(
      Object.values(tb.pe.authFiles).map((p: string) => [
        p,
        existsSync(p) ? readFileSync(p, 'utf8') : null,
      ]),
    );
  }

  it('qci login, then a plain podman pull works; the token never appears in argv or output', async () => {
    await freshPodman();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const watch = watchCommandLines();
    const login = await qci(['login'], { KUBECONFIG: kubeconfig });
    const seen = await watch.stop();

    expect(login.exitCode, login.stderr).toBe(0);
    expect(
      [...seen].some((c) => c.includes('podman login --password-stdin')),
    ).toBe(true);
    for (const cmdline of seen) expect(cmdline).not.toContain(tb.bed.token);
    expect(login.stdout + login.stderr).not.toContain(tb.bed.token);
    expect(login.stderr).toContain(
      `Logged in to ${tb.bed.proxy.host} as ${tb.bed.user} (podman)`,
    );
    expect(login.stderr).toContain(
      `credential in ${tb.pe.authFiles.xdgRuntime}`,
    );
    expect(login.stderr).toMatch(/token expires in 2[78] days/);
    expect(statSync(tb.pe.authFiles.xdgRuntime).mode & 0o777).toBe(0o600);

    const pull = await tb.pe.podman(['pull', tb.bed.ref()]);
    expect(pull.exitCode, pull.stderr).toBe(0);

    const json = await qci(['login', '--json'], { KUBECONFIG: kubeconfig });
    expect(JSON.parse(json.stdout)).toMatchObject({
      registry: tb.bed.proxy.host,
      user: tb.bed.user,
      engine: 'podman',
      authFile: tb.pe.authFiles.xdgRuntime,
      warnings: [],
    });
    // As podman login takes it: the registry named on the command line wins over QCI_REGISTRY.
    const named = await qci(['login', '--json', tb.bed.proxy.host], {
      KUBECONFIG: kubeconfig,
      QCI_REGISTRY: 'quay-proxy.ci.openshift.org',
    });
    expect(named.exitCode, named.stderr).toBe(0);
    expect(JSON.parse(named.stdout).registry).toBe(tb.bed.proxy.host);
  });

  it('a stale token in ~/.docker/config.json: whoami names it, logout removes it and keeps the rest, login makes pulls work', async () => {
    await freshPodman();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const stale = tb.bed.appci.createToken(tb.bed.user);
    tb.bed.appci.expireToken(stale);
    writeJson(tb.pe.authFiles.docker, {
      auths: {
        [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${stale}`) },
        'other.example.com': { auth: b64('someone:keep-me') },
      },
      psFormat: 'table {{.ID}}',
      HttpHeaders: { 'User-Agent': 'test' },
    });

    const before = await tb.pe.podman(['pull', tb.bed.ref()]);
    expect(before.exitCode).toBe(125);
    expect(before.stderr).toContain('unauthorized');

    const whoami = await qci(['whoami'], { KUBECONFIG: kubeconfig });
    expect(whoami.exitCode).toBe(3);
    expect(whoami.stdout).toMatch(
      /podman\s+✗ 4\.3\.1; uses \S+ in ~\/\.docker\/config\.json: an expired or revoked app\.ci token/,
    );
    expect(whoami.stdout + whoami.stderr).not.toContain(stale);
    const whoamiJson = JSON.parse(
      (await qci(['whoami', '--json'], { KUBECONFIG: kubeconfig })).stdout,
    );
    expect(whoamiJson.engines[0]).toMatchObject({
      engine: 'podman',
      state: 'expired',
      file: tb.pe.authFiles.docker,
    });

    const dry = await qci(['logout', '--dry-run']);
    expect(dry.stderr).toContain(
      `would remove ${tb.bed.proxy.host} from ~/.docker/config.json`,
    );
    // --dry-run changes nothing: the stale entry is still there, under its key, with its secret.
    expect(
      JSON.parse(readFileSync(tb.pe.authFiles.docker, 'utf8')).auths[
        tb.bed.proxy.host
      ],
    ).toEqual({ auth: b64(`${tb.bed.user}:${stale}`) });

    const logout = await qci(['logout']);
    expect(logout.exitCode, logout.stderr).toBe(0);
    expect(logout.stderr).toContain(
      `removed ${tb.bed.proxy.host} from ~/.docker/config.json\n`,
    );
    const after = JSON.parse(readFileSync(tb.pe.authFiles.docker, 'utf8'));
    expect(after.auths).toEqual({
      'other.example.com': { auth: b64('someone:keep-me') },
    });
    expect(after.psFormat).toBe('table {{.ID}}');
    expect(after.HttpHeaders).toEqual({ 'User-Agent': 'test' });
    // No backup: without the secret the user asked to remove it would hold what the file still holds.
    const backups = readdirSync(dirname(tb.pe.authFiles.docker)).filter((n) =>
      n.startsWith('config.json.qci-backup-'),
    );
    expect(backups).toEqual([]);

    const login = await qci(['login'], { KUBECONFIG: kubeconfig });
    expect(login.exitCode, login.stderr).toBe(0);
    const pull = await tb.pe.podman(['pull', tb.bed.ref()]);
    expect(pull.exitCode, pull.stderr).toBe(0);
  });

  it('login warns about an older QCI credential in another file that podman logout would leave behind', async () => {
    await freshPodman();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const old = tb.bed.appci.createToken(tb.bed.user);
    writeJson(tb.pe.authFiles.docker, {
      auths: { [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${old}`) } },
    });
    const login = await qci(['login'], { KUBECONFIG: kubeconfig });
    expect(login.exitCode, login.stderr).toBe(0);
    expect(login.stderr).toContain(
      '~/.docker/config.json holds an older QCI credential',
    );
    expect(login.stderr).toContain(
      `podman logout --authfile ~/.docker/config.json ${tb.bed.proxy.host}`,
    );
    expect(login.stderr).not.toContain(old);
  });

  it('DOCKER_CONFIG with podman < 4.8: podman logs in to a private copy, so the keys it drops never leave the file', async () => {
    await tb.freshPodman({ dockerConfig: true });
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    writeJson(tb.pe.authFiles.docker, {
      auths: { 'other.example.com': { auth: b64('a:b') } },
      credsStore: 'secretservice',
      HttpHeaders: { 'User-Agent': 'kept' },
      psFormat: 'table {{.ID}}',
    });
    const login = await qci(['login'], { KUBECONFIG: kubeconfig });
    expect(login.exitCode, login.stderr).toBe(0);
    expect(login.stderr).toContain('credential in ~/.docker/config.json');
    expect(login.stderr).not.toMatch(/rewrote|put them back/);
    const after = JSON.parse(readFileSync(tb.pe.authFiles.docker, 'utf8'));
    expect(after).toMatchObject({
      credsStore: 'secretservice',
      HttpHeaders: { 'User-Agent': 'kept' },
      psFormat: 'table {{.ID}}',
    });
    expect(Object.keys(after.auths).sort()).toEqual(
      [tb.bed.proxy.host, 'other.example.com'].sort(),
    );
    // No backup: the login only added an entry.
    const backups = readdirSync(dirname(tb.pe.authFiles.docker)).filter((n) =>
      n.startsWith('config.json.qci-backup-'),
    );
    expect(backups).toEqual([]);
  });

  it('two qci logins at once leave a valid file holding both results', async () => {
    await freshPodman();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const hosts = [tb.bed.proxy.host, `localhost:${tb.bed.proxy.port}`];
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        hosts.map((host) =>
          qci(['login'], { KUBECONFIG: kubeconfig, QCI_REGISTRY: host }),
        ),
      );
      for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
      const file = JSON.parse(readFileSync(tb.pe.authFiles.xdgRuntime, 'utf8'));
      expect(Object.keys(file.auths).sort()).toEqual([...hosts].sort());
      writeFileSync(tb.pe.authFiles.xdgRuntime, '{"auths":{}}');
    }
  });

  it('a login waits while another qci holds the auth file, then writes', async () => {
    await freshPodman();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    mkdirSync(dirname(tb.pe.authFiles.xdgRuntime), { recursive: true });
    const held = await acquireLock(tb.pe.authFiles.xdgRuntime);
    // A waiting qci reads the lock file on every try. Its access time goes back to 1970, so the first
    // read moves it forward (Linux's relatime updates an access time older than the modification time).
    utimesSync(held.path, 0, statSync(held.path).mtime);
    let finished = false;
    const login = qci(['login'], { KUBECONFIG: kubeconfig }).finally(
      () => (finished = true),
    );
    await vi.waitFor(
      () => expect(statSync(held.path).atimeMs).toBeGreaterThan(0),
      { timeout: 30_000, interval: 20 },
    );
    expect(finished).toBe(false);
    expect(existsSync(tb.pe.authFiles.xdgRuntime)).toBe(false);
    await held.release();
    const result = await login;
    expect(result.exitCode, result.stderr).toBe(0);
    // The login's entry: under the registry's key, the user and the token logged in with.
    expect(
      JSON.parse(readFileSync(tb.pe.authFiles.xdgRuntime, 'utf8')).auths,
    ).toEqual({
      [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${tb.bed.token}`) },
    });
  });

  it('corrupt JSON in an auth file: a clear error with its path, and the file is left byte for byte', async () => {
    await freshPodman();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    mkdirSync(dirname(tb.pe.authFiles.xdgRuntime), { recursive: true });
    writeFileSync(tb.pe.authFiles.xdgRuntime, '{"auths": {"x": ');
    const before = snapshot();
    const login = await qci(['login'], { KUBECONFIG: kubeconfig });
    expect(login.exitCode).toBe(1);
    expect(login.stderr).toContain(tb.pe.authFiles.xdgRuntime);
    expect(login.stderr).toContain('left it unchanged');
    const logout = await qci(['logout']);
    expect(logout.exitCode).toBe(1);
    expect(logout.stderr).toContain(`${tb.pe.authFiles.xdgRuntime}:`);
    expect(snapshot()).toEqual(before);
  });

  // Each failure: the exit code, words of the message, and no auth file touched.
  const failures: [
    string,
    (bed: TestBed) => Promise<Record<string, string>>,
    number,
    RegExp,
  ][] = [
    [
      'a kubeconfig without an app.ci context',
      async (b) => ({
        KUBECONFIG: await b.appci.kubeconfig({
          token: b.token,
          context: 'build02',
        }),
      }),
      3,
      /no app\.ci context: .*contexts in the kubeconfig: build02 \(https:\/\/127\.0\.0\.1:\d+\)[\s\S]*oauth\/token\/request/,
    ],
    [
      'an unreachable API server',
      async (b) => ({
        KUBECONFIG: await b.appci.kubeconfig({
          token: b.token,
          server: 'https://127.0.0.1:1',
        }),
      }),
      6,
      /cannot reach app\.ci \(https:\/\/127\.0\.0\.1:1, context app\.ci\): connection refused/,
    ],
    [
      'an expired token',
      async (b) => {
        const t = b.appci.createToken(b.user);
        b.appci.expireToken(t);
        return { KUBECONFIG: await b.appci.kubeconfig({ token: t }) };
      },
      3,
      /rejected the token while trying to find out who you are: it has expired or was revoked[\s\S]*oauth\/token\/request/,
    ],
    [
      'a revoked token',
      async (b) => {
        const t = b.appci.createToken(b.user);
        b.appci.revokeToken(t);
        return { KUBECONFIG: await b.appci.kubeconfig({ token: t }) };
      },
      3,
      /expired or was revoked/,
    ],
    [
      'a user denied QCI access',
      async (b) => {
        const t = b.appci.createToken('mallory');
        b.appci.denyQciAccess('mallory');
        return { KUBECONFIG: await b.appci.kubeconfig({ token: t }) };
      },
      4,
      /mallory may not pull from QCI[\s\S]*qci-image-puller/,
    ],
  ];
  it.each(failures)(
    '%s: clear message, non-zero exit, no file changed',
    async (_name, setup, code, message) => {
      await freshPodman();
      writeJson(tb.pe.authFiles.docker, {
        auths: { 'other.example.com': { auth: b64('a:b') } },
      });
      const before = snapshot();
      const env = await setup(tb.bed);
      const login = await qci(['login'], env);
      expect(login.exitCode, login.stderr).toBe(code);
      expect(login.stderr).toMatch(message);
      expect(login.stdout).toBe('');
      expect(snapshot()).toEqual(before);
    },
  );

  it('KUBECONFIG with duplicate names across two files: the first file wins, as with kubectl', async () => {
    await freshPodman();
    const revoked = tb.bed.appci.createToken(tb.bed.user);
    tb.bed.appci.revokeToken(revoked);
    const names = { context: 'app.ci', cluster: 'appci', user: 'me/appci' };
    const good = await tb.bed.appci.kubeconfig({
      token: tb.bed.token,
      ...names,
    });
    const bad = await tb.bed.appci.kubeconfig({ token: revoked, ...names });
    const login = await qci(['login'], { KUBECONFIG: `${good}:${bad}` });
    expect(login.exitCode, login.stderr).toBe(0);
    const reversed = await qci(['whoami'], { KUBECONFIG: `${bad}:${good}` });
    expect(reversed.exitCode).toBe(3);
    expect(reversed.stdout).toContain('expired or was revoked');
  });

  it('a kubeconfig of many contexts, one of them half-written: login and whoami use app.ci and ignore the rest, as kubectl does', async () => {
    await freshPodman();
    const appci = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const doc = parseYaml(readFileSync(appci, 'utf8'));
    for (let i = 0; i < 30; i++) {
      doc.clusters.push({
        name: `c${i}`,
        cluster: { server: `https://api.c${i}.example.com:6443` },
      });
      doc.contexts.push({
        name: `ctx${i}`,
        context: { cluster: `c${i}`, user: `u${i}` },
      });
      doc.users.push({ name: `u${i}`, user: { token: `sha256~other${i}` } });
    }
    // An entry the kube client would refuse (no server), as an interrupted edit leaves one.
    doc.clusters.push({ name: 'half-written', cluster: {} });
    doc.contexts.push({
      name: 'half',
      context: { cluster: 'half-written', user: 'u0' },
    });
    const many = join(tb.pe.dir, 'many-contexts.yaml');
    writeFileSync(many, stringifyYaml(doc));
    const login = await qci(['login'], { KUBECONFIG: many });
    expect(login.exitCode, login.stderr).toBe(0);
    const whoami = await qci(['whoami', '--json'], { KUBECONFIG: many });
    expect(whoami.exitCode, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout).appci.user).toBe(tb.bed.user);
  });

  it('whoami --authfile of a file not there yet: the fix is the login that writes it, and it works', async () => {
    await freshPodman();
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const file = join(tb.pe.dir, 'not-yet.json');
    const before = await qci(['whoami', '--authfile', file], {
      KUBECONFIG: kubeconfig,
    });
    expect(before.stdout).toContain(
      'podman stats --authfile before every pull',
    );
    expect(before.stdout).toContain(`fix: qci login --authfile ${file}`);
    const login = await qci(['login', '--authfile', file], {
      KUBECONFIG: kubeconfig,
    });
    expect(login.exitCode, login.stderr).toBe(0);
    const after = await qci(['whoami', '--authfile', file], {
      KUBECONFIG: kubeconfig,
    });
    expect(after.exitCode, after.stdout).toBe(0);
  });

  it('whoami falls back to users/~ where selfsubjectreviews is missing', async () => {
    await freshPodman();
    tb.bed.appci.setSelfSubjectReviews(false);
    try {
      const whoami = await qci(['whoami', '--json'], {
        KUBECONFIG: await tb.bed.appci.kubeconfig({ token: tb.bed.token }),
      });
      expect(JSON.parse(whoami.stdout).appci).toMatchObject({
        user: tb.bed.user,
        qciAccess: true,
      });
    } finally {
      tb.bed.appci.setSelfSubjectReviews(true);
    }
  });
});

/**
 * qci over a network with round trips (the fake app.ci delays connections and requests): what app.ci is
 * asked, in how many connections, and what a pull may skip. No timing is asserted; bench/network.mjs
 * measures the speed.
 */
import { describe, expect, it } from 'vitest';
import {
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import {
  TESTBED_TOOLS,
  oauthTokenName,
  requireTools,
  type AppCiRequest,
} from './testbed/index.js';
import { QCI_BIN, useTestBed } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);

/** Every request arrived before the first answer left: they were sent together, not one after another. */
const together = (requests: readonly AppCiRequest[]) =>
  Math.max(...requests.map((r) => r.receivedAt)) <
  Math.min(...requests.map((r) => r.answeredAt ?? Number.POSITIVE_INFINITY));

describe.skipIf(!tools.ok)('qci and a distant app.ci (end to end)', () => {
  const LATENCY = { connectionMs: 100, requestMs: 300 };
  const tb = useTestBed({ setup: (bed) => bed.appci.setLatency(LATENCY) });
  async function fresh() {
    const pe = await tb.freshPodman();
    tb.bed.appci.clearRequests();
    return pe;
  }
  const { qci } = tb;
  /**
   * A fresh environment whose `file` holds a revoked token of the bed's user, a kubeconfig for a live one,
   * and no proxy requests yet.
   */
  async function revokedIn(file: 'docker' | 'xdgRuntime') {
    await fresh();
    const stale = tb.bed.appci.createToken(tb.bed.user);
    tb.bed.appci.revokeToken(stale);
    tb.storeCredential(tb.pe.authFiles[file], stale);
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    tb.bed.proxy.clearRequests();
    return { stale, KUBECONFIG };
  }
  const cacheDir = () => join(tb.pe.home, '.cache', 'qci');
  /** `run` with app.ci `requestMs` away per request (room for podman to start first), then as before. */
  async function appciAway<T>(requestMs: number, run: () => Promise<T>) {
    tb.bed.appci.setLatency({ ...LATENCY, requestMs });
    try {
      return await run();
    } finally {
      tb.bed.appci.setLatency(LATENCY);
    }
  }
  /** The user's podman auth file's QCI entry: [user, token], or null. */
  const storedCredential = (): [string, string] | null => {
    let text: string;
    try {
      text = readFileSync(tb.pe.authFiles.xdgRuntime, 'utf8');
    } catch {
      return null;
    }
    const auth = (
      JSON.parse(text) as { auths?: Record<string, { auth?: string }> }
    ).auths?.[tb.bed.proxy.host]?.auth;
    if (!auth) return null;
    const plain = Buffer.from(auth, 'base64').toString();
    const colon = plain.indexOf(':');
    return [plain.slice(0, colon), plain.slice(colon + 1)];
  };
  const leftCopies = () =>
    readdirSync(tb.pe.xdgRuntimeDir).filter((n) => n.startsWith('qci-login-'));
  const firstManifest = () =>
    tb.bed.proxy.requests.find((r) => r.path.includes('/manifests/'));
  const askedForLayers = () =>
    tb.bed.proxy.requests.some((r) => r.path.includes('/blobs/'));
  const sleep = (ms: number) =>
    new Promise((resolve) => setTimeout(resolve, ms));

  /**
   * Starts qci, sends it SIGINT once `ready()` (then `settleMs` later), and says how it ended and whether
   * that was before app.ci answered anything.
   */
  async function interruptWhen(
    args: string[],
    KUBECONFIG: string,
    ready: () => boolean,
    settleMs = 0,
  ) {
    const child = spawn(process.execPath, [QCI_BIN, ...args], {
      env: { ...tb.pe.env, QCI_REGISTRY: tb.bed.proxy.host, KUBECONFIG },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => resolve(code)),
    );
    while (!ready()) await sleep(20);
    await sleep(settleMs);
    child.kill('SIGINT');
    const code = await exited;
    const endedAt = Date.now();
    const beforeAppCi = tb.bed.appci.requests.every(
      (r) => r.answeredAt === undefined || r.answeredAt > endedAt,
    );
    return { code, stdout, stderr, beforeAppCi };
  }

  /** From now until the returned stop(): app.ci answers `status` to requests whose path has `part`, `afterMs` late. */
  function appciFails(status: number, afterMs: number, part = '') {
    let failing = true;
    tb.bed.appci.use((req, res) => {
      if (!failing || !req.url?.includes(part)) return false;
      req.resume();
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(`{"kind":"Status","status":"Failure","code":${status}}`);
      }, afterMs);
      return true;
    });
    return () => {
      failing = false;
    };
  }

  it('login asks its three questions at once; whoami and doctor too', async () => {
    await fresh();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const login = await qci(['login'], { KUBECONFIG });
    expect(login.exitCode, login.stderr).toBe(0);
    expect(tb.bed.appci.requests.map((r) => r.path).sort()).toEqual([
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      `/apis/oauth.openshift.io/v1/useroauthaccesstokens/${oauthTokenName(tb.bed.token)}`,
    ]);
    expect(together(tb.bed.appci.requests)).toBe(true);
    // One connection per request, opened while the kube client loads: none opened and left unused.
    expect(tb.bed.appci.connections).toBe(3);

    tb.bed.appci.clearRequests();
    const whoami = await qci(['whoami'], { KUBECONFIG });
    expect(whoami.exitCode, whoami.stderr).toBe(0);
    expect(tb.bed.appci.requests).toHaveLength(3);
    expect(together(tb.bed.appci.requests)).toBe(true);
    expect(tb.bed.appci.connections).toBe(3);

    // doctor opens them first of all (before its checks load), and connect() does not open more.
    tb.bed.appci.clearRequests();
    const doctor = await qci(['doctor'], {
      KUBECONFIG,
      QCI_TLS_VERIFY: 'false',
    });
    expect(doctor.exitCode, doctor.stdout + doctor.stderr).toBe(0);
    expect(tb.bed.appci.requests).toHaveLength(3);
    expect(together(tb.bed.appci.requests)).toBe(true);
    expect(tb.bed.appci.connections).toBe(3);
  });

  it('after a login, a pull asks app.ci nothing, however long ago; the proof is kept 0600 under a hash, never the token', async () => {
    await fresh();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    expect((await qci(['login'], { KUBECONFIG })).exitCode).toBe(0);
    tb.bed.appci.clearRequests();
    const pull = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(tb.bed.appci.requests).toEqual([]);
    expect(tb.bed.appci.connections).toBe(0);

    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    const [name] = readdirSync(cacheDir());
    const file = join(cacheDir(), name!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(tb.bed.token);
    expect(text).not.toContain(tb.bed.token.slice('sha256~'.length, 20));
    expect(text).toContain(tb.bed.user);

    // Proved long ago (a day), the token not yet expired: the next pull still asks app.ci nothing.
    const cached = JSON.parse(text) as {
      entries: Record<string, { provedAt: string }>;
    };
    for (const entry of Object.values(cached.entries))
      entry.provedAt = new Date(Date.now() - 86_400_000).toISOString();
    writeFileSync(file, JSON.stringify(cached));
    tb.bed.appci.clearRequests();
    const later = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(later.exitCode, later.stderr).toBe(0);
    expect(tb.bed.appci.requests).toEqual([]);
    expect(later.stderr).toContain('Writing manifest');
    expect(later.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it("a first pull on this machine (no facts cache) opens app.ci's connections first, and uses each", async () => {
    await fresh();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const first = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toContain('logging in');
    expect(tb.bed.appci.requests).toHaveLength(3);
    expect(together(tb.bed.appci.requests)).toBe(true);
    expect(tb.bed.appci.connections).toBe(3);
    // The engine holds a token qci has not proved (logged in by hand, facts cleared): the registry
    // checks it; app.ci is asked nothing.
    rmSync(cacheDir(), { recursive: true, force: true });
    tb.bed.appci.clearRequests();
    const unproved = await qci(['pull', 'ocp/4.7:my-component'], {
      KUBECONFIG,
    });
    expect(unproved.exitCode, unproved.stderr).toBe(0);
    expect(unproved.stderr).not.toContain('logging in');
    expect(tb.bed.appci.requests).toEqual([]);
    // Nor are connections opened ahead: an auth file names the registry, so no login is likely.
    expect(tb.bed.appci.connections).toBe(0);
  });

  it('a pull that logs in says so in the order of events, then pulls', async () => {
    await fresh();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const pull = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(tb.bed.appci.requests).toHaveLength(3);
    // What the user reads is in the order of events: the login, who it is, then podman's pull.
    const said = pull.stderr;
    const loggingIn = said.indexOf('; logging in\n');
    const loggedIn = said.indexOf(
      `logged in to ${tb.bed.proxy.host} as ${tb.bed.user}\n`,
    );
    const podmanSays = said.indexOf('Writing manifest');
    expect(loggingIn).toBeGreaterThanOrEqual(0);
    expect(loggedIn).toBeGreaterThan(loggingIn);
    expect(podmanSays).toBeGreaterThan(loggedIn);
    expect(pull.stdout).toMatch(/^[0-9a-f]{64}\n$/); // podman's image ID, once
    // The user's file holds the proved name and the token; podman's private copy is gone.
    expect(storedCredential()).toEqual([tb.bed.user, tb.bed.token]);
    expect(leftCopies()).toEqual([]);

    // --json: stdout is qci's document alone; podman's image ID went to stderr.
    rmSync(tb.pe.authFiles.xdgRuntime);
    rmSync(cacheDir(), { recursive: true, force: true });
    const json = await qci(['pull', '--json', 'ocp/4.7:my-component'], {
      KUBECONFIG,
    });
    expect(json.exitCode, json.stderr).toBe(0);
    expect(storedCredential()).toEqual([tb.bed.user, tb.bed.token]);
    expect(leftCopies()).toEqual([]);
    const report = JSON.parse(json.stdout) as {
      preflight: { loggedIn: { user: string } | null };
    };
    expect(report.preflight.loggedIn?.user).toBe(tb.bed.user);
    expect(json.stderr).toMatch(/\n[0-9a-f]{64}\n/);
  });

  it("a pull whose login finds no QCI access says so (exit 4), and nothing of podman's", async () => {
    await fresh();
    // The registry takes the token at login and refuses the image (403); app.ci says: no QCI access.
    tb.bed.proxy.setDenyMode('registry-403');
    tb.bed.appci.denyQciAccess(tb.bed.user);
    try {
      const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
      tb.bed.proxy.clearRequests();
      const pull = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
      expect(pull.exitCode, pull.stderr).toBe(4);
      expect(pull.stderr).toContain(`${tb.bed.user} may not pull from QCI`);
      expect(firstManifest()).toBeUndefined();
      expect(pull.stderr).not.toMatch(/Trying to pull|Error:|requested access/);
      expect(pull.stdout).toBe('');
      // Nothing reached the user's file; the private copy is gone.
      expect(storedCredential()).toBeNull();
      expect(leftCopies()).toEqual([]);
    } finally {
      tb.bed.proxy.setDenyMode('auth-403');
      tb.bed.appci.allowQciAccess(tb.bed.user);
    }
  });

  it("Ctrl-C during a pull's login, before app.ci answers: exit 130 at once, --json still prints its document", async () => {
    await fresh();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    {
      tb.bed.proxy.clearRequests();
      // podman's login to the private copy has reached the registry: the copy exists now.
      const { code, stdout, beforeAppCi } = await appciAway(5000, () =>
        interruptWhen(
          ['pull', '--json', 'ocp/4.7:my-component'],
          KUBECONFIG,
          () => tb.bed.proxy.requests.some((r) => r.path === '/v2/auth'),
          500,
        ),
      );
      expect(code).toBe(130);
      // app.ci had not answered yet: qci did not wait for the proof.
      expect(beforeAppCi).toBe(true);
      const report = JSON.parse(stdout) as {
        results: { cause: string }[];
        exitCode: number;
      };
      expect(report.exitCode).toBe(130);
      expect(report.results.map((r) => r.cause)).toEqual(['interrupted']);
      expect(storedCredential()).toBeNull();
      expect(leftCopies()).toEqual([]); // the login stopped waiting and removed its copy
      expect(firstManifest()).toBeUndefined();
    }
  });

  it('Ctrl-C during qci login, before app.ci answers: exit 130 at once, nothing written, no private copy left', async () => {
    await fresh();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    tb.bed.proxy.clearRequests();
    tb.bed.appci.clearRequests();
    const { code, stderr, beforeAppCi } = await appciAway(5000, () =>
      // podman's login to the private copy has reached the registry: the copy exists now.
      interruptWhen(
        ['login'],
        KUBECONFIG,
        () => tb.bed.proxy.requests.some((r) => r.path === '/v2/auth'),
        500,
      ),
    );
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('interrupted before app.ci answered');
    expect(beforeAppCi).toBe(true);
    expect(storedCredential()).toBeNull();
    expect(leftCopies()).toEqual([]);
  });

  it("a pull whose login fails (app.ci's access review breaks) pulls nothing and leaves nothing behind", async () => {
    await fresh();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const mended = appciFails(500, 0, 'selfsubjectaccessreviews');
    try {
      tb.bed.proxy.clearRequests();
      const pull = await qci(['pull', 'ocp/4.7:my-component'], {
        KUBECONFIG,
      });
      expect(pull.exitCode, pull.stderr).not.toBe(0);
      expect(askedForLayers()).toBe(false);
      expect(pull.stderr).not.toMatch(/Trying to pull|Copying blob/);
      expect(storedCredential()).toBeNull();
      expect(leftCopies()).toEqual([]);
    } finally {
      mended();
    }
  });

  it('a token revoked after it was proved is still caught: the pull fails on auth, qci logs in again, says why', async () => {
    await fresh();
    const token = tb.bed.appci.createToken(tb.bed.user);
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token });
    expect((await qci(['login'], { KUBECONFIG })).exitCode).toBe(0);
    tb.bed.appci.revokeToken(token); // the kube context's token too: the re-login cannot succeed
    const pull = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(pull.exitCode, pull.stderr).toBe(3);
    expect(pull.stderr).toMatch(
      /the error above: \S+ rejected the credential podman sent \(.+\), an expired or revoked app\.ci token; logging in again and retrying once\n/,
    );
    expect(pull.stderr).toMatch(/expired or was revoked/);
    // The rejection is remembered: the next pull knows the token is dead without asking anyone.
    tb.bed.appci.clearRequests();
    const again = await qci(['pull', '--no-login', 'ocp/4.7:my-component'], {
      KUBECONFIG,
    });
    expect(again.stderr).toContain('holds an expired or revoked app.ci token');
    expect(tb.bed.appci.requests).toEqual([]);
  });

  it("a revoked token in the engine's file: one pull refused, one login, one pull that works (exit 0)", async () => {
    const { KUBECONFIG } = await revokedIn('docker');
    const pull = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(pull.exitCode, pull.stderr).toBe(0);
    // app.ci only for the login, after the registry refused the token: its three questions at once.
    expect(tb.bed.appci.requests).toHaveLength(3);
    expect(together(tb.bed.appci.requests)).toBe(true);
    expect(tb.bed.appci.connections).toBeLessThanOrEqual(3);
    const refused = tb.bed.proxy.requests.findIndex(
      (r) => r.auth === 'basic' && r.status === 401,
    );
    expect(refused).toBeGreaterThanOrEqual(0);
    expect(
      Math.min(...tb.bed.appci.requests.map((r) => r.receivedAt)),
    ).toBeGreaterThan(tb.bed.proxy.requests[refused]!.receivedAt);
    expect(pull.stderr).toMatch(
      /the error above: \S+ rejected the credential podman sent \(.+\), an expired or revoked app\.ci token; logging in again and retrying once\n/,
    );
    expect(pull.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(storedCredential()).toEqual([tb.bed.user, tb.bed.token]);
  });

  it('after a plain podman login (never proved by qci), a pull asks app.ci nothing', async () => {
    await fresh();
    const KUBECONFIG = await tb.bed.appci.kubeconfig({ token: tb.bed.token });
    const login = await tb.pe.podman(
      ['login', '--password-stdin', '-u', tb.bed.user, tb.bed.proxy.host],
      { input: tb.bed.token },
    );
    expect(login.exitCode, login.stderr).toBe(0);
    tb.bed.appci.clearRequests();
    const pull = await qci(['pull', '--json', 'ocp/4.7:my-component'], {
      KUBECONFIG,
    });
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(tb.bed.appci.requests).toEqual([]);
    const report = JSON.parse(pull.stdout) as {
      preflight: { state: string; loggedIn: unknown };
    };
    expect(report.preflight).toMatchObject({
      state: 'unchecked',
      loggedIn: null,
    });
  });

  it('Ctrl-C during the login after a rejection: exit 130, the private copy removed, nothing written', async () => {
    const { stale, KUBECONFIG } = await revokedIn('xdgRuntime');
    // The pull was refused; the login's podman has reached the registry with the new token.
    const { code, stdout, beforeAppCi } = await appciAway(5000, () =>
      interruptWhen(
        ['pull', '--json', 'ocp/4.7:my-component'],
        KUBECONFIG,
        () =>
          tb.bed.proxy.requests.filter((r) => r.path === '/v2/auth').length >=
          2,
        500,
      ),
    );
    expect(code).toBe(130);
    expect(beforeAppCi).toBe(true);
    expect(
      (JSON.parse(stdout) as { results: { cause: string }[] }).results.map(
        (r) => r.cause,
      ),
    ).toEqual(['interrupted']);
    expect(storedCredential()).toEqual([tb.bed.user, stale]);
    expect(leftCopies()).toEqual([]);
  });

  it('the connections opened first go to the context the settings name (flag, QCI_CONTEXT, config file)', async () => {
    await fresh();
    // A kubeconfig whose context named app.ci is another server (it counts connections and drops them),
    // and whose context "mine" is the fake app.ci: only the settings say to use "mine".
    let decoyConnections = 0;
    const decoy: Server = createServer((socket) => {
      decoyConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (decoy.address() as { port: number }).port;
      const other = await tb.bed.appci.kubeconfig({
        token: tb.bed.token,
        cluster: 'decoy',
        server: `https://127.0.0.1:${port}`,
      });
      const mine = await tb.bed.appci.kubeconfig({
        token: tb.bed.token,
        context: 'mine',
        currentContext: null,
      });
      const KUBECONFIG = `${other}:${mine}`;
      const config = join(tb.pe.home, 'qci-config.yaml');
      writeFileSync(config, 'context: mine\n');
      for (const [how, args, env] of [
        ['--context', ['whoami', '--context', 'mine'], {}],
        ['QCI_CONTEXT', ['whoami'], { QCI_CONTEXT: 'mine' }],
        ['config file', ['whoami'], { QCI_CONFIG: config }],
        [
          'config file, doctor',
          ['doctor'],
          { QCI_CONFIG: config, QCI_TLS_VERIFY: 'false' },
        ],
      ] as const) {
        tb.bed.appci.clearRequests();
        const run = await qci([...args], { KUBECONFIG, ...env });
        // Not logged in to the registry (exit 3), but app.ci answered for the context named.
        expect(run.stdout, `${how}: ${run.stderr}`).toContain('context "mine"');
        expect(tb.bed.appci.requests, how).toHaveLength(3);
        expect(tb.bed.appci.connections, how).toBe(3);
        expect(decoyConnections, how).toBe(0);
      }
      // A config file that is not YAML: the settings say so, as before (nothing is asked of app.ci).
      writeFileSync(config, 'context: [mine\n');
      tb.bed.appci.clearRequests();
      const bad = await qci(['whoami'], { KUBECONFIG, QCI_CONFIG: config });
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toContain('not valid YAML');
      expect(tb.bed.appci.requests).toHaveLength(0);
    } finally {
      await new Promise((resolve) => decoy.close(resolve));
    }
  });
});

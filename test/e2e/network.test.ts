/**
 * qci over a network with round trips (the fake app.ci delays connections and requests): what app.ci is
 * asked, in how many connections, and what a pull may skip. No timing is asserted; bench/network.mjs
 * measures the speed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TESTBED_TOOLS,
  createPodmanEnv,
  oauthTokenName,
  requireTools,
  startTestBed,
  type AppCiRequest,
  type PodmanEnv,
  type TestBed,
} from './testbed/index.js';

const tools = requireTools(TESTBED_TOOLS);
const QCI = fileURLToPath(new URL('../../bin/qci', import.meta.url));
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Every request arrived before the first answer left: they were sent together, not one after another. */
const together = (requests: readonly AppCiRequest[]) =>
  Math.max(...requests.map((r) => r.receivedAt)) <
  Math.min(...requests.map((r) => r.answeredAt ?? Number.POSITIVE_INFINITY));

describe.skipIf(!tools.ok)('qci and a distant app.ci (end to end)', () => {
  let bed: TestBed;
  let pe: PodmanEnv;

  beforeAll(async () => {
    bed = await startTestBed();
    bed.appci.setLatency({ connectionMs: 100, requestMs: 300 });
  });
  afterAll(async () => bed?.stop());
  afterEach(async () => pe?.stop());

  async function fresh(): Promise<PodmanEnv> {
    pe = await createPodmanEnv({ insecureRegistries: [bed.proxy.host] });
    bed.appci.clearRequests();
    return pe;
  }
  const qci = (args: string[], env: Record<string, string | undefined>) =>
    pe.run(process.execPath, [QCI, ...args], {
      env: { QCI_REGISTRY: bed.proxy.host, ...env },
    });
  const cacheDir = () => join(pe.home, '.cache', 'qci');

  it('login asks its three questions at once; whoami and doctor too', async () => {
    await fresh();
    const KUBECONFIG = await bed.appci.kubeconfig({ token: bed.token });
    const login = await qci(['login'], { KUBECONFIG });
    expect(login.exitCode, login.stderr).toBe(0);
    expect(bed.appci.requests.map((r) => r.path).sort()).toEqual([
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      `/apis/oauth.openshift.io/v1/useroauthaccesstokens/${oauthTokenName(bed.token)}`,
    ]);
    expect(together(bed.appci.requests)).toBe(true);
    // One connection per request, opened while the kube client loads: none opened and left unused.
    expect(bed.appci.connections).toBe(3);

    bed.appci.clearRequests();
    const whoami = await qci(['whoami'], { KUBECONFIG });
    expect(whoami.exitCode, whoami.stderr).toBe(0);
    expect(bed.appci.requests).toHaveLength(3);
    expect(together(bed.appci.requests)).toBe(true);
    expect(bed.appci.connections).toBe(3);

    // doctor opens them first of all (before its checks load), and connect() does not open more.
    bed.appci.clearRequests();
    const doctor = await qci(['doctor'], {
      KUBECONFIG,
      QCI_TLS_VERIFY: 'false',
    });
    expect(doctor.exitCode, doctor.stdout + doctor.stderr).toBe(0);
    expect(bed.appci.requests).toHaveLength(3);
    expect(together(bed.appci.requests)).toBe(true);
    expect(bed.appci.connections).toBe(3);
  });

  it('after a login, a pull asks app.ci nothing; the proof is kept 0600 under a hash, never the token', async () => {
    await fresh();
    const KUBECONFIG = await bed.appci.kubeconfig({ token: bed.token });
    expect((await qci(['login'], { KUBECONFIG })).exitCode).toBe(0);
    bed.appci.clearRequests();
    const pull = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(bed.appci.requests).toEqual([]);
    expect(bed.appci.connections).toBe(0);

    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    const [name] = readdirSync(cacheDir());
    const file = join(cacheDir(), name!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(bed.token);
    expect(text).not.toContain(bed.token.slice('sha256~'.length, 20));
    expect(text).toContain(bed.user);

    // Ten minutes later the proof is stale: the next pull asks again (three requests, together).
    const cached = JSON.parse(text) as {
      entries: Record<string, { provedAt: string }>;
    };
    for (const entry of Object.values(cached.entries))
      entry.provedAt = new Date(Date.now() - 11 * 60_000).toISOString();
    writeFileSync(file, JSON.stringify(cached));
    const later = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(later.exitCode, later.stderr).toBe(0);
    expect(bed.appci.requests).toHaveLength(3);
    expect(together(bed.appci.requests)).toBe(true);
  });

  it("a first pull on this machine (no facts cache) opens app.ci's connections first, and uses each", async () => {
    await fresh();
    const KUBECONFIG = await bed.appci.kubeconfig({ token: bed.token });
    const first = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toContain('logging in');
    expect(bed.appci.requests).toHaveLength(3);
    expect(together(bed.appci.requests)).toBe(true);
    expect(bed.appci.connections).toBe(3);
    // The engine holds a token qci has not proved (logged in by hand, facts cleared): the same.
    rmSync(cacheDir(), { recursive: true, force: true });
    bed.appci.clearRequests();
    const unproved = await qci(['pull', 'ocp/4.7:my-component'], {
      KUBECONFIG,
    });
    expect(unproved.exitCode, unproved.stderr).toBe(0);
    expect(unproved.stderr).not.toContain('logging in');
    expect(bed.appci.requests).toHaveLength(3);
    expect(bed.appci.connections).toBe(3);
  });

  it('a token revoked after it was proved is still caught: the pull fails on auth, qci logs in again, says why', async () => {
    await fresh();
    const token = bed.appci.createToken(bed.user);
    const KUBECONFIG = await bed.appci.kubeconfig({ token });
    expect((await qci(['login'], { KUBECONFIG })).exitCode).toBe(0);
    bed.appci.revokeToken(token); // the kube context's token too: the re-login cannot succeed
    const pull = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(pull.exitCode, pull.stderr).toBe(3);
    expect(pull.stderr).toContain(
      'rejected the credential; logging in again and retrying once',
    );
    expect(pull.stderr).toMatch(/expired or was revoked/);
    // The rejected token is forgotten: the next pull asks app.ci (and finds it dead) instead of trusting it.
    bed.appci.clearRequests();
    const again = await qci(['pull', '--no-login', 'ocp/4.7:my-component'], {
      KUBECONFIG,
    });
    expect(again.stderr).toContain('holds an expired or revoked app.ci token');
    expect(bed.appci.requests.length).toBeGreaterThan(0);
  });

  it('requests one after another share kept-alive connections', async () => {
    await fresh();
    // A dead token in podman's file: the pre-flight's three requests, then the login's three.
    const stale = bed.appci.createToken(bed.user);
    bed.appci.revokeToken(stale);
    mkdirSync(dirname(pe.authFiles.docker), { recursive: true });
    writeFileSync(
      pe.authFiles.docker,
      JSON.stringify({
        auths: { [bed.proxy.host]: { auth: b64(`${bed.user}:${stale}`) } },
      }),
    );
    const KUBECONFIG = await bed.appci.kubeconfig({ token: bed.token });
    const pull = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(bed.appci.requests).toHaveLength(6);
    expect(bed.appci.connections).toBeLessThanOrEqual(3);
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
      const other = await bed.appci.kubeconfig({
        token: bed.token,
        cluster: 'decoy',
        server: `https://127.0.0.1:${port}`,
      });
      const mine = await bed.appci.kubeconfig({
        token: bed.token,
        context: 'mine',
        currentContext: null,
      });
      const KUBECONFIG = `${other}:${mine}`;
      const config = join(pe.home, 'qci-config.yaml');
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
        bed.appci.clearRequests();
        const run = await qci([...args], { KUBECONFIG, ...env });
        // Not logged in to the registry (exit 3), but app.ci answered for the context named.
        expect(run.stdout, `${how}: ${run.stderr}`).toContain('context "mine"');
        expect(bed.appci.requests, how).toHaveLength(3);
        expect(bed.appci.connections, how).toBe(3);
        expect(decoyConnections, how).toBe(0);
      }
      // A config file that is not YAML: the settings say so, as before (nothing is asked of app.ci).
      writeFileSync(config, 'context: [mine\n');
      bed.appci.clearRequests();
      const bad = await qci(['whoami'], { KUBECONFIG, QCI_CONFIG: config });
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toContain('not valid YAML');
      expect(bed.appci.requests).toHaveLength(0);
    } finally {
      await new Promise((resolve) => decoy.close(resolve));
    }
  });
});

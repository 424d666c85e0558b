/**
 * qci login --web end to end: the real bin/qci, a BROWSER script that follows redirects like a signed-in
 * browser, the fake app.ci's OAuth server (PKCE, single-use codes), real podman 4.3.1 and the registry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { watchCommandLines } from './argv-watch.js';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';
import { addOAuthServer, type FakeOAuth } from './testbed/oauth.js';

const tools = requireTools(TESTBED_TOOLS);
const BROWSER = `${process.execPath} ${fileURLToPath(new URL('./testbed/fake-browser.mjs', import.meta.url))}`;

type Kubeconfig = {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  'current-context'?: string;
  [key: string]: unknown;
};

describe.skipIf(!tools.ok)('qci login --web (end to end)', () => {
  let oauth: FakeOAuth;
  const tb = useTestBed({
    denyMode: 'auth-401',
    setup: (bed) => {
      oauth = addOAuthServer(bed.appci, bed.user);
    },
  });
  afterEach(() => {
    oauth.setConsent('allow');
    oauth.setCliClient(true);
    oauth.setDiscovery(true);
  });
  const { freshPodman } = tb;

  const kubeconfigPath = () => join(tb.pe.home, '.kube', 'config');
  const browserLog = () => join(tb.pe.dir, 'browser.log');

  const qciWeb = (
    args: string[],
    env: Record<string, string | undefined> = {},
    input?: string,
  ) =>
    tb.qci(
      [
        'login',
        '--web',
        '--server',
        tb.bed.appci.url,
        '--certificate-authority',
        tb.bed.appci.caFile,
        ...args,
      ],
      {
        BROWSER,
        FAKE_BROWSER_CA: tb.bed.appci.caFile,
        FAKE_BROWSER_LOG: browserLog(),
        ...env,
      },
      input !== undefined ? { input } : {},
    );

  /**
   * The fake browser's log once it holds `text` (or after 5 s): the browser is a process of its own, and
   * logs the last page it got after qci, which sent it, may have exited.
   */
  async function browserLogWith(text: string): Promise<string> {
    for (let tries = 0; ; tries++) {
      const log = existsSync(browserLog())
        ? readFileSync(browserLog(), 'utf8')
        : '';
      if (log.includes(text) || tries >= 50) return log;
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  /** Every file a failed login could have written: the kubeconfig and the engines' auth files. */
  function snapshot(): Record<string, string | null> {
    return Object.fromEntries(
      [kubeconfigPath(), ...Object.values(tb.pe.authFiles)].map((p: string) => [
        p,
        existsSync(p) ? readFileSync(p, 'utf8') : null,
      ]),
    );
  }

  it('no kubeconfig at all: qci login --web, then a plain podman pull works; no token in argv or output', async () => {
    await freshPodman();
    expect(existsSync(kubeconfigPath())).toBe(false);
    const before = await tb.pe.podman(['pull', tb.bed.ref()]);
    expect(before.exitCode).toBe(125);

    const watch = watchCommandLines();
    const login = await qciWeb([]);
    const seen = await watch.stop();
    expect(login.exitCode, login.stderr).toBe(0);

    // The browser went: authorize (PKCE S256, the CLI client, a state) → qci's loopback callback.
    const authorize = oauth.authorizeCalls.at(-1)!;
    expect(authorize.get('client_id')).toBe('openshift-cli-client');
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('redirect_uri')).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/callback$/,
    );
    expect(authorize.get('state')?.length).toBeGreaterThanOrEqual(16);
    const visited = await browserLogWith('You can close this tab');
    expect(visited).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/callback\?\S+ 200/);
    expect(visited).toContain('You can close this tab');
    // The URL is printed too (no display, SSH).
    expect(login.stderr).toContain(`${tb.bed.appci.url}/oauth/authorize?`);

    // The kubeconfig, as oc login writes it: 0600, oc's names, the token that app.ci issued.
    const path = kubeconfigPath();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const kc = parse(readFileSync(path, 'utf8')) as Kubeconfig;
    const cluster = `127-0-0-1:${tb.bed.appci.port}`;
    expect(kc.clusters).toEqual([
      {
        name: cluster,
        cluster: {
          server: tb.bed.appci.url,
          'certificate-authority': tb.bed.appci.caFile,
        },
      },
    ]);
    expect(kc['current-context']).toBe(`default/${cluster}/${tb.bed.user}`);
    expect(kc.users[0]!.name).toBe(`${tb.bed.user}/${cluster}`);
    const token = String(kc.users[0]!.user.token);
    expect(tb.bed.appci.tokenReview(token)).toMatchObject({
      valid: true,
      username: tb.bed.user,
    });
    expect(readdirSync(dirname(path))).toEqual(['config']);

    for (const cmdline of seen) expect(cmdline).not.toContain(token);
    expect(login.stdout + login.stderr).not.toContain(token);
    expect(login.stderr).toContain(
      `Logged in to app.ci (${tb.bed.appci.url}) as ${tb.bed.user}`,
    );
    expect(login.stderr).toContain(
      `Logged in to ${tb.bed.proxy.host} as ${tb.bed.user} (podman)`,
    );
    expect(login.stderr).toMatch(/token expires in 2[78] days/);

    const pull = await tb.pe.podman(['pull', tb.bed.ref()]);
    expect(pull.exitCode, pull.stderr).toBe(0);

    // And qci itself now finds the context without flags.
    const whoami = await tb.qci(['whoami']);
    expect(whoami.stdout).toContain(tb.bed.user);
  });

  it('a kubeconfig with other clusters, users and keys keeps them all; a renamed app.ci context gets the new token', async () => {
    await freshPodman();
    const path = kubeconfigPath();
    mkdirSync(dirname(path), { recursive: true });
    const cluster = `127-0-0-1:${tb.bed.appci.port}`;
    const stale = tb.bed.appci.createToken(tb.bed.user);
    tb.bed.appci.revokeToken(stale);
    const original = [
      '# my clusters',
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: build02',
      '    cluster:',
      '      server: https://api.build02.example.com:6443',
      '      proxy-url: http://proxy.example.com:3128',
      `  - name: ${cluster}`,
      '    cluster:',
      `      server: ${tb.bed.appci.url}`,
      'users:',
      '  - name: me/build02',
      '    user:',
      '      token: sha256~build02-token-stays-as-it-is',
      '  - name: old-name',
      '    user:',
      `      token: ${stale}`,
      'contexts:',
      '  - name: build02',
      '    context:',
      '      cluster: build02',
      '      user: me/build02',
      '  - name: app.ci',
      '    context:',
      `      cluster: ${cluster}`,
      '      user: old-name',
      'current-context: build02',
      'preferences:',
      '  colors: true',
      'extensions: []',
      '',
    ].join('\n');
    writeFileSync(path, original, { mode: 0o644 });

    const login = await qciWeb([]);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(login.stderr).toContain('context "app.ci" now uses this token too');
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('# my clusters');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const kc = parse(text) as Kubeconfig;
    expect(kc.clusters.map((c) => c.name)).toEqual(['build02', cluster]);
    expect(kc.clusters[0]!.cluster).toEqual({
      server: 'https://api.build02.example.com:6443',
      'proxy-url': 'http://proxy.example.com:3128',
    });
    expect(kc.users.map((u) => u.name)).toEqual([
      'me/build02',
      'old-name',
      `${tb.bed.user}/${cluster}`,
    ]);
    expect(kc.users[0]!.user.token).toBe('sha256~build02-token-stays-as-it-is');
    expect(kc.contexts.map((c) => c.name)).toEqual([
      'build02',
      'app.ci',
      `default/${cluster}/${tb.bed.user}`,
    ]);
    expect(kc.contexts[1]!.context.user).toBe(`${tb.bed.user}/${cluster}`);
    expect(kc.preferences).toEqual({ colors: true });
    expect(kc.extensions).toEqual([]);
    // No backup, lock or temp file beside it: a backup would keep a token.
    expect(readdirSync(dirname(path))).toEqual(['config']);
    expect((await tb.pe.podman(['pull', tb.bed.ref()])).exitCode).toBe(0);
  });

  it('a wrong state on the way back: a clear error, nothing written, the code never exchanged', async () => {
    await freshPodman();
    const before = snapshot();
    const calls = oauth.tokenCalls.length;
    const login = await qciWeb([], { FAKE_BROWSER_MODE: 'tamper-state' });
    expect(login.exitCode).toBe(3);
    expect(login.stderr).toContain('state mismatch');
    expect(login.stderr).toContain('nothing was written');
    expect(oauth.tokenCalls.length).toBe(calls);
    expect(snapshot()).toEqual(before);
  });

  it('consent refused in the browser: a clear error, nothing written', async () => {
    await freshPodman();
    oauth.setConsent('deny');
    const before = snapshot();
    const login = await qciWeb([]);
    expect(login.exitCode).toBe(3);
    expect(login.stderr).toContain('the login was refused in the browser');
    expect(await browserLogWith('cancelled')).toContain('cancelled');
    expect(snapshot()).toEqual(before);
  });

  it('nobody finishes the login: it times out with a clear message, nothing written', async () => {
    await freshPodman();
    const before = snapshot();
    const login = await qciWeb([], {
      FAKE_BROWSER_MODE: 'ignore',
      QCI_WEB_LOGIN_TIMEOUT: '2s',
    });
    expect(login.exitCode).toBe(3);
    expect(login.stderr).toContain('no answer from the browser within 2s');
    expect(login.stderr).toContain('/oauth/authorize?'); // printed for the person to open
    expect(snapshot()).toEqual(before);
  });

  it('a busy --callback-port: a clear error before any browser opens, nothing written', async () => {
    await freshPodman();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const before = snapshot();
      const calls = oauth.authorizeCalls.length;
      const login = await qciWeb(['--callback-port', String(port)]);
      expect(login.exitCode).toBe(2);
      expect(login.stderr).toContain(
        `callback port ${port} on 127.0.0.1 is in use`,
      );
      expect(oauth.authorizeCalls.length).toBe(calls);
      expect(existsSync(browserLog())).toBe(false);
      expect(snapshot()).toEqual(before);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('a pinned free --callback-port is the one the browser comes back to', async () => {
    await freshPodman();
    const probe: Server = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const login = await qciWeb(['--callback-port', String(port)]);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(oauth.authorizeCalls.at(-1)!.get('redirect_uri')).toBe(
      `http://127.0.0.1:${port}/callback`,
    );
  });

  it('a code that was already redeemed (replayed): the exchange is refused, nothing written', async () => {
    await freshPodman();
    const before = snapshot();
    oauth.replayNextCode();
    const login = await qciWeb([]);
    expect(login.exitCode).toBe(3);
    expect(login.stderr).toContain(
      'the OAuth server refused the authorization code',
    );
    expect(oauth.tokenCalls.at(-1)).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
    expect(await browserLogWith('qci login failed')).toContain(
      'qci login failed',
    );
    expect(snapshot()).toEqual(before);
  });

  it('no openshift-cli-client (older cluster): the token page, a token read from stdin, the same kubeconfig write', async () => {
    await freshPodman();
    oauth.setCliClient(false);
    const token = tb.bed.appci.createToken(tb.bed.user);
    const login = await qciWeb([], {}, `${token}\n`);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(login.stderr).toContain(`${tb.bed.appci.url}/oauth/token/request`);
    expect(login.stdout + login.stderr).not.toContain(token);
    const kc = parse(readFileSync(kubeconfigPath(), 'utf8')) as Kubeconfig;
    expect(kc.users[0]!.user.token).toBe(token);
    expect((await tb.pe.podman(['pull', tb.bed.ref()])).exitCode).toBe(0);
  });

  it('--token-page (no browser here): the token page shown, not opened, even where the code flow works; the same kubeconfig write', async () => {
    await freshPodman();
    rmSync(browserLog(), { force: true });
    const token = tb.bed.appci.createToken(tb.bed.user);
    // The bed's server and CA, a browser that would log being opened, and what is pasted.
    const tokenPage = (pasted: string) =>
      tb.qci(
        [
          'login',
          '--token-page',
          '--server',
          tb.bed.appci.url,
          '--certificate-authority',
          tb.bed.appci.caFile,
        ],
        { BROWSER, FAKE_BROWSER_LOG: browserLog() },
        { input: `${pasted}\n` },
      );
    const login = await tokenPage(token);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(login.stderr).toContain(
      `Open this URL in your browser:\n  ${tb.bed.appci.url}/oauth/token/request`,
    );
    expect(login.stderr).not.toContain('openshift-cli-client');
    expect(existsSync(browserLog())).toBe(false); // nothing was opened
    expect(login.stdout + login.stderr).not.toContain(token);
    const kc = parse(readFileSync(kubeconfigPath(), 'utf8')) as Kubeconfig;
    expect(kc.users[0]!.user.token).toBe(token);
    expect((await tb.pe.podman(['pull', tb.bed.ref()])).exitCode).toBe(0);
    // The page's whole "oc login" line, pasted: its token is the one meant.
    const next = tb.bed.appci.createToken(tb.bed.user);
    const line = await tokenPage(
      `oc login --token=${next} --server=${tb.bed.appci.url}`,
    );
    expect(line.exitCode, line.stderr).toBe(0);
    expect(line.stdout + line.stderr).not.toContain(next);
    const again = parse(readFileSync(kubeconfigPath(), 'utf8')) as Kubeconfig;
    expect(again.users[0]!.user.token).toBe(next);
  });

  it('a server without an OAuth server: says so, nothing written', async () => {
    await freshPodman();
    oauth.setDiscovery(false);
    const before = snapshot();
    const login = await qciWeb([]);
    expect(login.exitCode).toBe(3);
    expect(login.stderr).toContain(`${tb.bed.appci.url} has no OAuth server`);
    expect(snapshot()).toEqual(before);
  });

  it('an API server that refuses the connection: said in words (not an errno), nothing written', async () => {
    await freshPodman();
    const before = snapshot();
    const closed = await tb.qci([
      'login',
      '--web',
      '--server',
      'https://127.0.0.1:1',
    ]);
    expect(closed.exitCode).toBe(6);
    expect(closed.stderr).toContain(
      'cannot reach the API server (https://127.0.0.1:1): connection refused',
    );
    expect(closed.stderr).not.toContain('ECONNREFUSED');
    expect(snapshot()).toEqual(before);
  });

  it('a pasted token the server rejects: nothing written', async () => {
    await freshPodman();
    oauth.setCliClient(false);
    const before = snapshot();
    const dead = tb.bed.appci.createToken(tb.bed.user);
    tb.bed.appci.revokeToken(dead);
    const login = await qciWeb([], {}, `${dead}\n`);
    expect(login.exitCode).toBe(3);
    expect(login.stderr).toContain('does not accept the token you pasted');
    expect(login.stderr).not.toContain(dead);
    expect(snapshot()).toEqual(before);
  });
});

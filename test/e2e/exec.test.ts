/**
 * qci exec end to end: the real bin/qci runs real podman (and sh) with a temporary QCI auth file, against the
 * quay-proxy stand-in; the file must be gone afterwards however the command ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { QCI_BIN, b64, useTestBed } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!tools.ok)('qci exec (end to end)', () => {
  const tb = useTestBed({ denyMode: 'auth-401' });
  afterEach(() => {
    tb.bed.proxy.blobDelayMs = 0;
  });
  let env: Record<string, string>;
  let token: string;

  async function fresh(): Promise<void> {
    await tb.freshPodman();
    token = tb.bed.appci.createToken(tb.bed.user);
    env = {
      KUBECONFIG: await tb.bed.appci.kubeconfig({ token }),
      QCI_REGISTRY: tb.bed.proxy.host,
    };
  }
  const qci = (args: string[], options: { input?: string } = {}) =>
    tb.qci(args, env, options);
  /** Temp dirs qci exec made (it uses $XDG_RUNTIME_DIR; TMPDIR is checked too). */
  const leftovers = () =>
    [tb.pe.xdgRuntimeDir, tb.pe.env.TMPDIR!].flatMap((d) =>
      readdirSync(d).filter((n) => n.startsWith('qci-exec-')),
    );
  /** No auth file anywhere podman or docker would read. */
  const noAuthFiles = () =>
    (Object.values(tb.pe.authFiles) as string[]).filter((p) => existsSync(p));

  it('qci exec -- podman pull: pulls with the credential, leaves no auth file behind', async () => {
    await fresh();
    const r = await qci(['exec', '--', 'podman', 'pull', tb.bed.ref()]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/); // podman's own stdout, passed through
    expect(r.stderr).toContain('Writing manifest to image destination');
    expect(r.stdout + r.stderr).not.toContain(token);
    expect(
      tb.bed.proxy.requests.some(
        (q) =>
          q.path === '/v2/auth' && q.status === 200 && q.user === tb.bed.user,
      ),
    ).toBe(true);
    expect(leftovers()).toEqual([]);
    expect(noAuthFiles()).toEqual([]);
    expect(
      (await tb.pe.podman(['images', '--format', '{{.Repository}}:{{.Tag}}']))
        .stdout,
    ).toContain(tb.bed.ref());
    // Without qci exec the same pull has no credential: the test can tell.
    await tb.pe.podmanOk(['rmi', tb.bed.ref()]);
    const bare = await tb.pe.podman(['pull', tb.bed.ref()]);
    expect(bare.exitCode).toBe(125);
  });

  it("what the command sees: a 0700 directory, a 0600 file holding only the QCI and app.ci registry entries; stdin passes through; CMD's exit code is qci's", async () => {
    await fresh();
    const script =
      'stat -c "%a" "$DOCKER_CONFIG" "$REGISTRY_AUTH_FILE"; [ "$REGISTRY_AUTH_FILE" = "$DOCKER_CONFIG/config.json" ] && echo same; ls -A "$DOCKER_CONFIG"; cat "$REGISTRY_AUTH_FILE"; echo "$DOCKER_CONFIG" >&2; cat; exit 7';
    const r = await qci(['exec', '--', 'sh', '-c', script], {
      input: 'from stdin\n',
    });
    expect(r.exitCode, r.stderr).toBe(7);
    const [dirMode, fileMode, same, listing, ...rest] = r.stdout.split('\n');
    expect([dirMode, fileMode, same, listing]).toEqual([
      '700',
      '600',
      'same',
      'config.json',
    ]);
    const body = rest.join('\n');
    expect(JSON.parse(body.slice(0, body.lastIndexOf('}') + 1))).toEqual({
      auths: {
        [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${token}`) },
        'registry.ci.openshift.org': { auth: b64(`${tb.bed.user}:${token}`) },
      },
    });
    expect(r.stdout.endsWith('from stdin\n')).toBe(true);
    const dir = r.stderr.trim().split('\n').at(-1)!;
    expect(dir.startsWith(`${tb.pe.xdgRuntimeDir}/qci-exec-`)).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(noAuthFiles()).toEqual([]);
  });

  it('a command that is not found: 127, a message, nothing left behind; said before app.ci is asked', async () => {
    await fresh();
    const r = await qci(['exec', '--', 'no-such-command-qci', 'x']);
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toContain('no-such-command-qci: command not found');
    expect(leftovers()).toEqual([]);
    // Even with no app.ci login at all (which would be exit 3), and without asking app.ci.
    tb.bed.appci.clearRequests();
    const nowhere = await tb.qci(['exec', '--', 'no-such-command-qci'], {
      ...env,
      KUBECONFIG: '/nonexistent/kubeconfig',
    });
    expect(nowhere.exitCode).toBe(127);
    expect(tb.bed.appci.requests).toEqual([]);
  });

  it('a revoked app.ci token: qci says so (exit 3) and never runs the command', async () => {
    await fresh();
    tb.bed.appci.revokeToken(token);
    const r = await qci(['exec', '--', 'sh', '-c', 'echo ran']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('expired or was revoked');
    expect(leftovers()).toEqual([]);
  });

  /** Starts `qci exec -- podman pull` against a proxy that holds blobs back; resolves once podman is fetching them. */
  async function slowPull(): Promise<{
    qciProcess: ChildProcess;
    podmanPid: number;
    authFile: string;
    exited: Promise<{
      code: number | null;
      signal: string | null;
      stderr: string;
    }>;
  }> {
    tb.bed.proxy.blobDelayMs = 60_000;
    tb.bed.proxy.clearRequests();
    const qciProcess = spawn(
      process.execPath,
      [QCI_BIN, 'exec', '--', 'podman', 'pull', tb.bed.ref()],
      { env: { ...tb.pe.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    qciProcess.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<{
      code: number | null;
      signal: string | null;
      stderr: string;
    }>((resolve) =>
      qciProcess.on('close', (code, signal) =>
        resolve({ code, signal, stderr }),
      ),
    );
    const deadline = Date.now() + 30_000;
    while (!tb.bed.proxy.requests.some((q) => q.path.includes('/blobs/'))) {
      if (Date.now() > deadline)
        throw new Error(`podman never asked for a blob; qci said: ${stderr}`);
      await sleep(50);
    }
    // The podman qci started: its parent is qci, and its environment names the temporary auth file.
    for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      try {
        const ppid = Number(
          /^PPid:\s+(\d+)$/m.exec(
            readFileSync(`/proc/${pid}/status`, 'utf8'),
          )?.[1],
        );
        if (ppid !== qciProcess.pid) continue;
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split(
          '\0',
        );
        const authFile = environ
          .find((e) => e.startsWith('REGISTRY_AUTH_FILE='))
          ?.slice('REGISTRY_AUTH_FILE='.length);
        if (authFile)
          return { qciProcess, podmanPid: Number(pid), authFile, exited };
      } catch {
        // gone while we looked
      }
    }
    throw new Error('no podman child of qci found');
  }

  it('the command killed with SIGKILL mid-pull: qci exits 137 and the auth file is gone', async () => {
    await fresh();
    const { podmanPid, authFile, exited } = await slowPull();
    expect(existsSync(authFile)).toBe(true);
    expect(readFileSync(authFile, 'utf8')).toContain(tb.bed.proxy.host);
    process.kill(podmanPid, 'SIGKILL');
    const { code } = await exited;
    expect(code).toBe(137);
    expect(existsSync(authFile)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  // podman 4.3.1 stops a pull on SIGTERM with status 0 and on SIGINT with 1 (seen here, podman alone); qci
  // still exits 128+N, so a script never takes an interrupted pull for a good one.
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    'qci sent %s mid-pull: passes it on, podman stops, qci cleans up and exits 128+N',
    async (signal, exitCode) => {
      await fresh();
      const { qciProcess, podmanPid, authFile, exited } = await slowPull();
      const started = Date.now();
      qciProcess.kill(signal);
      const { code, signal: qciSignal } = await exited;
      expect(qciSignal).toBeNull(); // qci was not killed by it: it waited, cleaned up and exited
      expect(code).toBe(exitCode);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(existsSync(`/proc/${podmanPid}`)).toBe(false);
      expect(existsSync(authFile)).toBe(false);
      expect(leftovers()).toEqual([]);
    },
  );

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)(
    'qci sent %s while a command that dies of it runs: 128+N, cleaned up',
    async (signal, code) => {
      await fresh();
      const qciProcess = spawn(
        process.execPath,
        [
          QCI_BIN,
          'exec',
          '--',
          'sh',
          '-c',
          'echo "$REGISTRY_AUTH_FILE"; exec sleep 60',
        ],
        { env: { ...tb.pe.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      qciProcess.stdout!.on('data', (d) => (stdout += d));
      const exited = new Promise<{
        code: number | null;
        signal: string | null;
      }>((resolve) =>
        qciProcess.on('close', (c, s) => resolve({ code: c, signal: s })),
      );
      while (!stdout.includes('\n')) await sleep(20);
      const authFile = stdout.trim();
      expect(existsSync(authFile)).toBe(true);
      qciProcess.kill(signal);
      expect(await exited).toEqual({ code, signal: null });
      expect(existsSync(authFile)).toBe(false);
      expect(leftovers()).toEqual([]);
    },
  );
});

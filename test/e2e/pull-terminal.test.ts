/**
 * qci pull on a terminal: under a pseudo-terminal (`script` from util-linux, in every Debian), podman's
 * own progress bars reach the user as they do for a bare `podman pull`, and a failure is still explained
 * (classified from the registry's answer, since podman's text went to the terminal, not to qci).
 */
import { describe, expect, it } from 'vitest';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';
import {
  PODMAN_BAR as BAR,
  QCI_BIN as QCI,
  REDRAW,
  scriptArgs,
} from '../helpers/pty.js';

const tools = requireTools([...TESTBED_TOOLS, 'script']);

describe.skipIf(!tools.ok)('qci pull on a terminal (end to end)', () => {
  const tb = useTestBed({ tags: ['ocp_4.7_my-component'] });
  const fresh = () => tb.freshPodman();
  /** Runs argv with stdin, stdout and stderr on a 100-column pseudo-terminal; all output is one stream. */
  const onTerminal = (argv: string[], env: Record<string, string>) =>
    tb.pe.run(
      'script',
      scriptArgs(argv, 100, 30),
      // The test registry speaks plain HTTP; qci's registry client reads no registries.conf.
      {
        env: {
          QCI_REGISTRY: tb.bed.proxy.host,
          QCI_TLS_VERIFY: 'false',
          ...env,
        },
      },
    );
  const qci = (args: string[], env: Record<string, string>) =>
    onTerminal([process.execPath, QCI, ...args], env);

  it("shows podman's own progress bars, as a bare podman pull does; off a terminal none", async () => {
    await fresh();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    expect((await qci(['login'], { KUBECONFIG })).exitCode).toBe(0);
    const bare = await onTerminal(
      ['podman', 'pull', '--platform', 'linux/amd64', tb.bed.ref()],
      {},
    );
    expect(bare.exitCode, bare.stdout).toBe(0);
    expect(bare.stdout).toMatch(BAR); // the yardstick: podman draws on this terminal
    await tb.pe.podmanOk(['rmi', '--all', '--force']);

    const r = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(BAR);
    expect(r.stdout).toContain(REDRAW);
    expect(r.stdout).toMatch(/\n[0-9a-f]{64}\r?\n/); // the image ID
    expect(r.stdout).not.toContain(tb.bed.token);

    await tb.pe.podmanOk(['rmi', '--all', '--force']);
    const piped = await tb.qci(['pull', 'ocp/4.7:my-component'], {
      KUBECONFIG,
    });
    expect(piped.exitCode, piped.stderr).toBe(0);
    expect(piped.stderr).toContain('Copying blob');
    expect(piped.stderr).not.toMatch(BAR);
    expect(piped.stderr).not.toContain(REDRAW);
  });

  it('a pull that logs in on a terminal pulls once the login is through: podman has the screen, and what it draws stays', async () => {
    await fresh();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    // app.ci 400 ms away: the pull starts once the login is through.
    tb.bed.appci.setLatency({ connectionMs: 0, requestMs: 400 });
    try {
      tb.bed.appci.clearRequests();
      tb.bed.proxy.clearRequests();
      const r = await qci(['pull', 'ocp/4.7:my-component'], { KUBECONFIG });
      expect(r.exitCode, r.stdout).toBe(0);
      expect(r.stdout).toContain('logging in');
      expect(r.stdout).toMatch(BAR);
      const lastAnswer = Math.max(
        ...tb.bed.appci.requests.map((q) => q.answeredAt ?? 0),
      );
      const manifest = tb.bed.proxy.requests.find((q) =>
        q.path.includes('/manifests/'),
      );
      expect(tb.bed.appci.requests).toHaveLength(3);
      expect(manifest?.receivedAt).toBeGreaterThanOrEqual(lastAnswer);
    } finally {
      tb.bed.appci.setLatency({ connectionMs: 0, requestMs: 0 });
    }
  });

  // The cause comes from a look at the registry, which must never log in itself (--no-login).
  it('explains a pull with no credential on a terminal as "wants credentials" (exit 3)', async () => {
    await fresh();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    const none = await qci(['pull', '--no-login', 'ocp/4.7:my-component'], {
      KUBECONFIG,
    });
    expect(none.exitCode, none.stdout).toBe(3);
    expect(none.stdout).toContain('wants credentials');
  });

  it('explains failures it never read: a missing tag, a revoked credential', async () => {
    await fresh();
    const KUBECONFIG = await tb.kubeconfigAtHome();
    const missing = await qci(['pull', 'ocp/4.7:no-such-component'], {
      KUBECONFIG,
    });
    expect(missing.exitCode, missing.stdout).toBe(5);
    expect(missing.stdout).toContain(
      'not found: QCI has no tag ocp_4.7_no-such-component',
    );

    // A token proved by the login, then revoked: the pull fails on authentication, qci sees that from the
    // registry, logs in again with the kube context's new token and retries once.
    const first = tb.bed.appci.createToken(tb.bed.user);
    const firstConfig = await tb.bed.appci.kubeconfig({ token: first });
    expect((await qci(['login'], { KUBECONFIG: firstConfig })).exitCode).toBe(
      0,
    );
    tb.bed.appci.revokeToken(first);
    const retried = await qci(['pull', 'ocp/4.7:my-component'], {
      KUBECONFIG,
    });
    expect(retried.exitCode, retried.stdout).toBe(0);
    // podman's error went to the terminal; qci's line after it says what it was and that qci retries.
    const podmanError = retried.stdout.indexOf('Error: ');
    const line = retried.stdout.search(
      /the error above: \S+ rejected the credential podman sent \(\S+ in \S+\), an expired or revoked app\.ci token; logging in again and retrying once\r?\n/,
    );
    expect(podmanError).toBeGreaterThanOrEqual(0);
    expect(line, retried.stdout).toBeGreaterThan(podmanError);
    expect(retried.stdout.indexOf('Error: ', line)).toBe(-1);
    expect(retried.stdout).not.toContain(first);
    expect(retried.stdout).not.toContain(tb.bed.token);
  });
});

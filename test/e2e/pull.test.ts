/**
 * qci pull end to end: real bin/qci and podman against the registry behind the quay-proxy stand-in,
 * with the fake app.ci deciding which tokens live.
 */
import { describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { QCI_BIN, b64, useTestBed, writeJson } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);

describe.skipIf(!tools.ok)('qci pull (end to end)', () => {
  const tb = useTestBed({
    tags: ['ocp_4.7_my-component', 'ocp_4.7_cli'],
    denyMode: 'auth-401',
  });
  const fresh = () => tb.freshPodman();
  const { qci } = tb;
  const images = async () =>
    (await tb.pe.podman(['images', '--format', '{{.Repository}}:{{.Tag}}']))
      .stdout;

  it('on a machine never logged in: logs in by itself and pulls ocp/4.7:my-component', async () => {
    await fresh();
    const kubeconfig = await tb.kubeconfigAtHome();
    const r = await qci(['pull', 'ocp/4.7:my-component'], {
      KUBECONFIG: kubeconfig,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `podman has no credential for ${tb.bed.proxy.host}; logging in`,
    );
    expect(r.stderr).toContain('Copying blob'); // podman's own progress, passed through
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/); // the image ID podman prints
    expect(r.stdout + r.stderr).not.toContain(tb.bed.token);
    expect(await images()).toContain(
      `${tb.bed.proxy.host}/openshift/ci:ocp_4.7_my-component`,
    );
    // Second pull: the pre-flight finds the valid credential and does not log in again.
    const again = await qci(['pull', '--quiet', 'ocp/4.7:my-component'], {
      KUBECONFIG: kubeconfig,
    });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('logging in');
  });

  it('a first login and pull do not wait for `podman --version` unless an explicit auth file makes it matter', async () => {
    await fresh();
    const kubeconfig = await tb.kubeconfigAtHome();
    // qci remembers an answer of `podman --version` here (only when its cache directory exists).
    const cacheDir = `${tb.pe.home}/.cache/qci`;
    const versions = `${cacheDir}/engine-versions.json`;
    mkdirSync(cacheDir, { recursive: true });
    const first = await qci(['pull', '--quiet', 'ocp/4.7:my-component'], {
      KUBECONFIG: kubeconfig,
    });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toContain('logging in');
    expect(existsSync(versions)).toBe(false); // podman was never asked its version
    // REGISTRY_AUTH_FILE: podman < 4.4 reads more files than newer podman, so qci asks, and remembers.
    const again = await qci(['pull', '--quiet', 'ocp/4.7:my-component'], {
      KUBECONFIG: kubeconfig,
      REGISTRY_AUTH_FILE: tb.pe.authFiles.xdgRuntime,
    });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('logging in');
    const remembered = JSON.parse(readFileSync(versions, 'utf8')).entries;
    expect(Object.keys(remembered).join()).toContain('/podman');
  });

  it('an expired token in ~/.docker/config.json: the registry refuses it, qci logs in, pulls; --local-name tags it', async () => {
    await fresh();
    const kubeconfig = await tb.kubeconfigAtHome();
    const stale = tb.bed.appci.createToken(tb.bed.user);
    tb.bed.appci.expireToken(stale);
    tb.storeCredential(tb.pe.authFiles.docker, stale);
    const r = await qci(['pull', '--local-name', 'ocp/4.7:cli'], {
      KUBECONFIG: kubeconfig,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /the error above: \S+ rejected the credential podman sent \(.+\), an expired or revoked app\.ci token; logging in again and retrying once\n/,
    );
    expect(r.stderr).toContain('tagged');
    expect(await images()).toContain('localhost/ocp/4.7:cli');
  });

  it('a token revoked between pre-flight and pull: re-login and retry once, then success', async () => {
    await fresh();
    // The kube context's token is the one that gets revoked by the proxy on first use; app.ci hands out a
    // new one for the retry (as after `oc login` in another terminal): the kubeconfig names a tokenFile.
    const first = tb.bed.appci.createToken(tb.bed.user);
    const second = tb.bed.appci.createToken(tb.bed.user);
    const tokenFile = `${tb.pe.dir}/token`;
    writeFileSync(tokenFile, first);
    const kubeconfig = await tb.bed.appci.kubeconfig({ token: first });
    writeFileSync(
      kubeconfig,
      readFileSync(kubeconfig, 'utf8').replace(
        /token: .*/,
        `tokenFile: ${tokenFile}`,
      ),
    );
    // Log in with `first`, then revoke it at the proxy's first look and put `second` in the token file.
    expect((await qci(['login'], { KUBECONFIG: kubeconfig })).exitCode).toBe(0);
    let swapped = false;
    tb.bed.proxy.onAuth = () => {
      if (swapped) return;
      swapped = true;
      tb.bed.appci.revokeToken(first);
      writeFileSync(tokenFile, second);
    };
    try {
      const r = await qci(['pull', 'ocp/4.7:my-component'], {
        KUBECONFIG: kubeconfig,
      });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        /the error above: \S+ rejected the credential podman sent \(.+\), an expired or revoked app\.ci token; logging in again and retrying once\n/,
      );
      expect(r.stdout + r.stderr).not.toContain(first);
      expect(r.stdout + r.stderr).not.toContain(second);
    } finally {
      tb.bed.proxy.onAuth = undefined;
    }
  });

  it('a missing image says "not found", never "log in"', async () => {
    await fresh();
    const r = await qci(['pull', 'ocp/4.7:no-such-component'], {
      KUBECONFIG: await tb.kubeconfigAtHome(),
    });
    expect(r.exitCode, r.stderr).toBe(5);
    expect(r.stderr).toContain(
      'not found: QCI has no tag ocp_4.7_no-such-component',
    );
    expect(r.stderr).not.toMatch(/qci login|log in to app/);
  });

  it('a denied user is told about the RoleBinding', async () => {
    await fresh();
    const t = tb.bed.appci.createToken('eve');
    tb.bed.appci.denyQciAccess('eve');
    const r = await qci(['pull', 'ocp/4.7:my-component'], {
      KUBECONFIG: await tb.bed.appci.kubeconfig({ token: t }),
    });
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stderr).toContain('qci-image-puller');
    expect(r.stdout + r.stderr).not.toContain(t);
  });

  it('a stopped registry says "unreachable" within the timeout', async () => {
    await fresh();
    const dead = '127.0.0.1:9'; // discard port: nothing listens
    await tb.pe.addInsecureRegistry(dead);
    writeJson(tb.pe.authFiles.xdgRuntime, {
      auths: { [dead]: { auth: b64(`${tb.bed.user}:${tb.bed.token}`) } },
    });
    const started = Date.now();
    const r = await qci(
      ['pull', '--no-login', 'ocp/4.7:my-component'],
      {
        QCI_REGISTRY: dead,
        KUBECONFIG: await tb.kubeconfigAtHome(),
      },
      { timeoutMs: 90_000 },
    );
    expect(r.exitCode, r.stderr).toBe(6);
    expect(r.stderr).toContain(`unreachable: ${dead} refused the connection`);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('several references: pulled in order, a summary, non-zero when one failed; a missing one does not stop the others', async () => {
    await fresh();
    const r = await qci(
      [
        'pull',
        '-q',
        'ocp/4.7:cli',
        'ocp/4.7:no-such-component',
        'ocp/4.7:my-component',
      ],
      { KUBECONFIG: await tb.kubeconfigAtHome() },
    );
    expect(r.exitCode, r.stderr).toBe(5);
    expect(r.stderr).toContain(
      'pulled 2 of 3; failed: ocp/4.7:no-such-component',
    );
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('a malformed reference among several: each malformed one explained, nothing logged in or pulled, exit 2', async () => {
    await fresh();
    tb.bed.appci.clearRequests();
    tb.bed.proxy.clearRequests();
    const r = await qci(
      ['pull', '-q', 'ocp/4.7:cli', 'bad_ns/ref:x', 'ocp/4.7:my-component'],
      { KUBECONFIG: await tb.kubeconfigAtHome() },
    );
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('1 of 3 references malformed: nothing pulled');
    expect(r.stderr).toContain('invalid reference "bad_ns/ref:x"');
    expect(r.stdout).toBe('');
    expect(tb.bed.appci.requests).toEqual([]);
    expect(tb.bed.proxy.requests).toEqual([]);
    expect(await images()).not.toMatch(/ocp_4\.7_(cli|my-component)/);
  });

  it('Ctrl-C stops the engine and exits 130', async () => {
    await fresh();
    const kubeconfig = await tb.kubeconfigAtHome();
    expect((await qci(['login'], { KUBECONFIG: kubeconfig })).exitCode).toBe(0);
    tb.bed.proxy.blobDelayMs = 30_000;
    try {
      const child = spawn(process.execPath, [QCI_BIN, 'pull', 'ocp/4.7:cli'], {
        env: {
          ...tb.pe.env,
          KUBECONFIG: kubeconfig,
          QCI_REGISTRY: tb.bed.proxy.host,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) =>
        child.on('close', (code) => resolve(code)),
      );
      await new Promise<void>((resolve) => {
        child.stderr.on('data', (d) => {
          stderr += d;
          if (
            stderr.includes('Copying blob') ||
            stderr.includes('Trying to pull')
          )
            resolve();
        });
      });
      // Interrupt a pull in progress: podman is waiting for a (delayed) blob.
      await vi.waitFor(
        () =>
          expect(
            tb.bed.proxy.requests.some((r) => r.path.includes('/blobs/')),
          ).toBe(true),
        { timeout: 30_000, interval: 20 },
      );
      const started = Date.now();
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(Date.now() - started).toBeLessThan(15_000);
      // No podman pull left behind.
      const ps = await tb.pe.run('ps', ['-eo', 'args']);
      expect(ps.stdout).not.toContain('ocp_4.7_cli');
    } finally {
      tb.bed.proxy.blobDelayMs = 0;
    }
  });

  it('--dry-run prints what would run, with the secret redacted, and runs nothing', async () => {
    await fresh();
    const r = await qci(['pull', '--dry-run', 'ocp/4.7:cli'], {
      KUBECONFIG: await tb.kubeconfigAtHome(),
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `podman login --password-stdin --username USER ${tb.bed.proxy.host} <stdin`,
    );
    expect(r.stderr).toContain(
      `podman pull --platform linux/amd64 ${tb.bed.proxy.host}/openshift/ci:ocp_4.7_cli`,
    );
    expect(existsSync(tb.pe.authFiles.xdgRuntime)).toBe(false);
    expect(await images()).toBe('');
  });
});

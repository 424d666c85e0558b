/**
 * What podman sends, end to end: where qci used to say "OK" while the pull failed. Each case runs real podman
 * 4.3.1 through the quay-proxy stand-in, so "the pull fails" and "what arrived at /v2/auth" are facts,
 * then asks qci whoami, doctor and logout about the same layout.
 */
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qci as runQci } from '../helpers/cli.js';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { b64, useTestBed, writeJson } from './testbed/fixture.js';
import { fakeCredentialStore } from './testbed/fake-helper.js';

const tools = requireTools(TESTBED_TOOLS);

/**
 * A credential helper with a real store: `get` answers from STORE/HOST, `erase` deletes it (unless
 * stubborn: then erase says OK and keeps it, as a read-only keychain might).
 */
async function kvHelper(dir: string, name: string, stubborn = false) {
  const store = join(dir, `${name}-store`);
  await mkdir(store, { recursive: true });
  const path = join(dir, `docker-credential-${name}`);
  await writeFile(
    path,
    `#!/bin/sh
read host
f="${store}/$host"
case "$1" in
get) if [ -f "$f" ]; then printf '{"ServerURL":"%s","Username":"someone","Secret":"%s"}\\n' "$host" "$(cat "$f")"; else echo "credentials not found in native keychain"; exit 1; fi ;;
erase) ${stubborn ? 'exit 0' : 'rm -f "$f"'} ;;
esac
`,
  );
  await chmod(path, 0o755);
  return {
    put: (host: string, secret: string) => writeFile(join(store, host), secret),
    has: (host: string) => existsSync(join(store, host)),
  };
}

describe.skipIf(!tools.ok)(
  'whoami, doctor and logout agree with what podman sends (end to end)',
  () => {
    let kubeconfig: string;
    let bin: string;
    const tb = useTestBed({
      denyMode: 'auth-401',
      setup: async (bed) => {
        kubeconfig = await bed.appci.kubeconfig({ token: bed.token });
      },
    });

    const fresh = async () => {
      const pe = await tb.freshPodman();
      bin = join(pe.dir, 'bin');
      await mkdir(bin, { recursive: true });
      return pe;
    };
    const env = (extra: Record<string, string | undefined> = {}) => ({
      ...tb.pe.env,
      PATH: `${bin}:${tb.pe.env.PATH}`,
      QCI_REGISTRY: tb.bed.proxy.host,
      QCI_TLS_VERIFY: 'false',
      KUBECONFIG: kubeconfig,
      ...extra,
    });
    const qci = (
      args: string[],
      extra: Record<string, string | undefined> = {},
    ) => runQci(args, { env: env(extra) });
    const pull = async (
      extra: Record<string, string | undefined> = {},
      flags: string[] = [],
    ) => {
      tb.bed.proxy.clearRequests();
      const result = await tb.pe.podman(['pull', ...flags, tb.bed.ref()], {
        env: { PATH: `${bin}:${tb.pe.env.PATH}`, ...extra },
      });
      const auth = tb.bed.proxy.requests.find((r) => r.path === '/v2/auth');
      return { ...result, sent: auth?.auth ?? 'nothing' };
    };
    const podmanView = async (
      args: string[] = [],
      extra: Record<string, string | undefined> = {},
    ) => {
      const r = await qci(['whoami', '--json', ...args], extra);
      const report = JSON.parse(r.stdout) as {
        engines: {
          engine: string;
          state: string;
          sends: string;
          helper: string | null;
          file: string | null;
          key: string | null;
          candidates: { key: string }[];
          detail: string;
        }[];
      };
      return {
        code: r.code,
        view: report.engines.find((e) => e.engine === 'podman')!,
      };
    };
    const doctorIds = async () => {
      const r = await qci(['doctor', '--json']);
      const report = JSON.parse(r.stdout) as {
        findings: { id: string; severity: string; fix: string | null }[];
      };
      return { code: r.code, findings: report.findings };
    };

    it('a helper answering with a revoked token: the pull fails, whoami and doctor say so; logout erases it and podman then sends nothing', async () => {
      await fresh();
      const kv = await kvHelper(bin, 'kv');
      const dead = tb.bed.appci.createToken(tb.bed.user);
      tb.bed.appci.revokeToken(dead);
      await kv.put(tb.bed.proxy.host, dead);
      writeJson(tb.pe.authFiles.xdgRuntime, {
        auths: { 'quay.io': { auth: b64('me:quay-secret') } },
        credHelpers: { [tb.bed.proxy.host]: 'kv', 'gcr.io': 'gcloud' },
      });

      const before = await pull();
      expect(before.exitCode).toBe(125);
      expect(before.sent).toBe('basic');

      const { code, view } = await podmanView();
      expect(view).toMatchObject({
        state: 'expired',
        sends: 'credential',
        helper: 'kv',
      });
      expect(code).toBe(3);
      const whoamiText = await qci(['whoami']);
      expect(whoamiText.stdout).not.toContain(dead);

      const doctor = await doctorIds();
      expect(doctor.code).not.toBe(0);
      expect(doctor.findings).toContainEqual(
        expect.objectContaining({
          id: 'auth.helper-expired',
          severity: 'error',
        }),
      );

      const logout = await qci(['logout']);
      expect(logout.code).toBe(0);
      expect(logout.stderr).toMatch(/erased .* docker-credential-kv/);
      expect(`${logout.stdout}${logout.stderr}`).not.toContain(dead);
      expect(kv.has(tb.bed.proxy.host)).toBe(false);
      const after = await pull();
      expect(after.sent).toBe('none');
      // Other hosts' entries and non-auth keys survive.
      const file = JSON.parse(
        await readFile(tb.pe.authFiles.xdgRuntime, 'utf8'),
      );
      expect(file.auths['quay.io']).toEqual({ auth: b64('me:quay-secret') });
      expect(file.credHelpers['gcr.io']).toBe('gcloud');
    });

    it('doctor --fix erases a dead QCI secret a helper holds (as logout does) and logs in: podman then pulls with the new token', async () => {
      await fresh();
      const host = tb.bed.proxy.host;
      const vault = fakeCredentialStore(bin, tb.pe.dir, 'vault');
      const dead = tb.bed.appci.createToken(tb.bed.user);
      tb.bed.appci.revokeToken(dead);
      vault.write({
        [host]: { Username: 'someone', Secret: dead },
        'quay.io': { Username: 'me', Secret: 'quay-secret' },
      });
      writeJson(tb.pe.authFiles.xdgRuntime, {
        auths: { 'quay.io': {} },
        credHelpers: { [host]: 'vault', 'quay.io': 'vault' },
      });
      expect((await pull()).exitCode).toBe(125);

      const r = await qci(['doctor', '--fix', '--json']);
      expect(`${r.stdout}${r.stderr}`).not.toContain(dead);
      const report = JSON.parse(r.stdout) as {
        fixed: string[];
        findings: { id: string }[];
      };
      expect(report.fixed.join('\n')).toMatch(
        /erased the dead QCI secret docker-credential-vault held/,
      );
      expect(vault.calls()).toContain(`erase ${host}`);
      expect(report.findings.map((f) => f.id)).not.toContain(
        'auth.helper-expired',
      );
      // The fix's login stored the live token through the same helper; other hosts kept.
      expect(vault.read()[host]?.Secret).toBe(tb.bed.token);
      expect(vault.read()['quay.io']?.Secret).toBe('quay-secret');
      const after = await pull();
      expect(after.exitCode, after.stderr).toBe(0);
    });

    it('a helper that keeps its secret after erase: logout exits non-zero with the exact per-file command', async () => {
      await fresh();
      const kv = await kvHelper(bin, 'sticky', true);
      await kv.put(tb.bed.proxy.host, tb.bed.token);
      writeJson(tb.pe.authFiles.xdgConfig, {
        credHelpers: { [tb.bed.proxy.host]: 'sticky' },
      });
      const logout = await qci(['logout']);
      expect(logout.code).not.toBe(0);
      expect(logout.stderr).toContain(
        `podman logout --authfile ~/.config/containers/auth.json ${tb.bed.proxy.host}`,
      );
      expect(logout.stderr).not.toContain(tb.bed.token);
    });

    it('a helper with nothing: podman goes on with the next file, and so does qci', async () => {
      await fresh();
      await kvHelper(bin, 'empty');
      writeJson(tb.pe.authFiles.xdgRuntime, {
        credHelpers: { [tb.bed.proxy.host]: 'empty' },
      });
      writeJson(tb.pe.authFiles.docker, {
        auths: { [tb.bed.proxy.host]: { auth: b64(`me:${tb.bed.token}`) } },
      });
      const result = await pull();
      expect(result.exitCode).toBe(0);
      const { code, view } = await podmanView();
      expect(view).toMatchObject({
        state: 'current',
        file: tb.pe.authFiles.docker,
      });
      expect(code).toBe(0);
    });

    it('an identitytoken entry: podman sends the identity token, not the live password; qci says so', async () => {
      await fresh();
      writeJson(tb.pe.authFiles.xdgRuntime, {
        auths: {
          [tb.bed.proxy.host]: {
            auth: b64(`me:${tb.bed.token}`),
            identitytoken: 'some-refresh-token',
          },
        },
      });
      const result = await pull();
      expect(result.exitCode).toBe(125);
      const { code, view } = await podmanView();
      expect(view).toMatchObject({
        state: 'identity-token',
        sends: 'identity-token',
      });
      expect(code).toBe(3);
      const doctor = await doctorIds();
      expect(doctor.findings).toContainEqual(
        expect.objectContaining({
          id: 'auth.identity-token',
          severity: 'error',
        }),
      );
    });

    it('two URL-form keys with different tokens: "ambiguous" in whoami and a doctor finding with a fix', async () => {
      await fresh();
      const dead = tb.bed.appci.createToken(tb.bed.user);
      tb.bed.appci.revokeToken(dead);
      writeJson(tb.pe.authFiles.xdgRuntime, {
        auths: {
          [`https://${tb.bed.proxy.host}`]: { auth: b64(`me:${tb.bed.token}`) },
          [`http://${tb.bed.proxy.host}/v1/`]: { auth: b64(`me:${dead}`) },
        },
      });
      const { code, view } = await podmanView();
      expect(view.sends).toBe('ambiguous');
      expect(view.candidates.map((c) => c.key).sort()).toEqual(
        [
          `http://${tb.bed.proxy.host}/v1/`,
          `https://${tb.bed.proxy.host}`,
        ].sort(),
      );
      expect(code).toBe(3);
      const text = await qci(['whoami']);
      expect(text.stdout).toMatch(/chosen at random/);
      const doctor = await doctorIds();
      const finding = doctor.findings.find((f) => f.id === 'auth.ambiguous');
      expect(finding?.severity).toBe('error');
      expect(finding?.fix).toContain('podman logout --authfile');
    });

    it('REGISTRY_AUTH_FILE naming a missing file: podman fails before sending, and whoami says that, not the next file', async () => {
      await fresh();
      const missing = join(tb.pe.dir, 'nope.json');
      writeJson(tb.pe.authFiles.docker, {
        auths: { [tb.bed.proxy.host]: { auth: b64(`me:${tb.bed.token}`) } },
      });
      const result = await pull({ REGISTRY_AUTH_FILE: missing });
      expect(result.exitCode).toBe(125);
      expect(result.stderr).toContain('no such file or directory');
      expect(result.sent).toBe('nothing');
      const { code, view } = await podmanView([], {
        REGISTRY_AUTH_FILE: missing,
      });
      expect(view.sends).toBe('fails-before-sending');
      expect(view.detail).toContain(`stat ${missing}`);
      expect(code).toBe(3);
    });

    it('whoami --authfile answers for `podman --authfile F`', async () => {
      await fresh();
      const authfile = join(tb.pe.dir, 'ci-auth.json');
      const dead = tb.bed.appci.createToken(tb.bed.user);
      tb.bed.appci.revokeToken(dead);
      writeJson(tb.pe.authFiles.xdgRuntime, {
        auths: { [tb.bed.proxy.host]: { auth: b64(`me:${dead}`) } },
      });
      writeJson(authfile, {
        auths: { [tb.bed.proxy.host]: { auth: b64(`me:${tb.bed.token}`) } },
      });
      expect((await pull({}, ['--authfile', authfile])).exitCode).toBe(0);
      const withFlag = await podmanView(['--authfile', authfile]);
      expect(withFlag.view).toMatchObject({ state: 'current', file: authfile });
      expect(withFlag.code).toBe(0);
      const without = await podmanView();
      expect(without.view.state).toBe('expired');
      await rm(authfile);
      const gone = await podmanView(['--authfile', authfile]);
      expect(gone.view.sends).toBe('fails-before-sending');
    });
  },
);

/**
 * A backup is written only when it keeps something the new file does not, and a message names one
 * only then: logout, login and `doctor --fix` through bin/qci with podman 4.3.1 and the registry test
 * bed, on files that held only QCI's entry, nothing, or other entries too.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { b64, useTestBed, writeJson } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);

describe.skipIf(!tools.ok)('backups that keep something (end to end)', () => {
  let kubeconfig: string;
  const tb = useTestBed({
    denyMode: 'auth-401',
    setup: async (bed) => {
      kubeconfig = await bed.appci.kubeconfig({ token: bed.token });
    },
    qciEnv: (bed) => ({
      QCI_REGISTRY: bed.proxy.host,
      QCI_TLS_VERIFY: 'false',
      KUBECONFIG: kubeconfig,
    }),
  });
  const fresh = () => tb.freshPodman();
  const qci = (args: string[]) => tb.qci(args);
  const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
  /** The backups of `file` on disk, with what each holds. */
  const backupsOf = (file: string) =>
    readdirSync(dirname(file))
      .filter((n) => n.startsWith(`${basename(file)}.qci-backup-`))
      .map((n) => readJson(join(dirname(file), n)));
  const qciEntry = (token: string) => ({
    auth: b64(`${tb.bed.user}:${token}`),
  });
  const other = { 'quay.io': { auth: b64('me:quay-secret') } };

  it.each([
    ['only QCI’s entry', {}],
    ['other entries too', other],
  ])(
    'logout of a file that held %s: no backup, none named',
    async (_, others) => {
      await fresh();
      const file = tb.pe.authFiles.xdgConfig;
      writeJson(file, {
        auths: { [tb.bed.proxy.host]: qciEntry('x'), ...others },
      });
      const logout = await qci(['logout']);
      expect(logout.exitCode, logout.stderr).toBe(0);
      expect(logout.stderr).toContain(
        `removed ${tb.bed.proxy.host} from ~/.config/containers/auth.json`,
      );
      expect(logout.stderr).not.toContain('backup');
      expect(readJson(file)).toEqual({ auths: others });
      expect(backupsOf(file)).toEqual([]);
    },
  );

  it.each([
    ['was empty', { auths: {} }],
    ['held other entries', { auths: other, psFormat: 'table' }],
  ])('login to a file that %s: no backup', async (_, before) => {
    await fresh();
    const file = tb.pe.authFiles.xdgRuntime;
    writeJson(file, before);
    const login = await qci(['login']);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(readJson(file).auths[tb.bed.proxy.host]).toBeDefined();
    expect(login.stderr).not.toContain('backup');
    expect(backupsOf(file)).toEqual([]);
  });

  it('login over an older QCI secret keeps it in a backup; logout then removes that backup, which would hold nothing', async () => {
    await fresh();
    const file = tb.pe.authFiles.xdgRuntime;
    const older = tb.bed.appci.createToken(tb.bed.user);
    writeJson(file, { auths: { [tb.bed.proxy.host]: qciEntry(older) } });
    const login = await qci(['login']);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(backupsOf(file)).toEqual([
      { auths: { [tb.bed.proxy.host]: qciEntry(older) } },
    ]);
    const logout = await qci(['logout']);
    expect(logout.exitCode, logout.stderr).toBe(0);
    expect(logout.stderr).not.toContain('backup');
    expect(readJson(file)).toEqual({ auths: {} });
    expect(backupsOf(file)).toEqual([]);
  });

  it.each([
    ['only QCI’s entry', {}],
    ['other entries too', other],
  ])(
    'doctor --fix on a config.json that held %s: no backup, none named',
    async (_, others) => {
      await fresh();
      const stale = tb.bed.appci.createToken(tb.bed.user, {
        createdAt: new Date(Date.now() - 40 * 86_400_000),
      });
      const file = tb.pe.authFiles.docker;
      writeJson(file, {
        auths: { [tb.bed.proxy.host]: qciEntry(stale), ...others },
      });
      const fix = await qci(['doctor', '--fix']);
      expect(fix.exitCode, fix.stdout + fix.stderr).toBe(0);
      expect(fix.stderr).toContain(
        `removed ${tb.bed.proxy.host} from ~/.docker/config.json`,
      );
      expect(fix.stderr).not.toContain('backup');
      expect(readJson(file)).toEqual({ auths: others });
      expect(backupsOf(file)).toEqual([]);
    },
  );
});

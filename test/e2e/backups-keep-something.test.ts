/**
 * A backup is written only when it keeps something the new file does not, and a message names one
 * only then: logout, login and `doctor --fix` through bin/qci with podman 4.3.1 and the registry test
 * bed, on files that held only QCI's entry, nothing, or other entries too.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TESTBED_TOOLS,
  createPodmanEnv,
  requireTools,
  startTestBed,
  type PodmanEnv,
  type TestBed,
} from './testbed/index.js';

const tools = requireTools(TESTBED_TOOLS);
const QCI = fileURLToPath(new URL('../../bin/qci', import.meta.url));
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe.skipIf(!tools.ok)('backups that keep something (end to end)', () => {
  let bed: TestBed;
  let pe: PodmanEnv;
  let kubeconfig: string;

  beforeAll(async () => {
    bed = await startTestBed({ denyMode: 'auth-401' });
    kubeconfig = await bed.appci.kubeconfig({ token: bed.token });
  });
  afterAll(async () => bed?.stop());
  afterEach(async () => pe?.stop());

  const fresh = async () =>
    (pe = await createPodmanEnv({ insecureRegistries: [bed.proxy.host] }));
  const qci = (args: string[]) =>
    pe.run(process.execPath, [QCI, ...args], {
      env: {
        QCI_REGISTRY: bed.proxy.host,
        QCI_TLS_VERIFY: 'false',
        KUBECONFIG: kubeconfig,
      },
    });
  const writeJson = (path: string, value: unknown) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(value, null, '\t'), { mode: 0o600 });
  };
  const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
  /** The backups of `file` on disk, with what each holds. */
  const backupsOf = (file: string) =>
    readdirSync(dirname(file))
      .filter((n) => n.startsWith(`${basename(file)}.qci-backup-`))
      .map((n) => readJson(join(dirname(file), n)));
  const qciEntry = (token: string) => ({ auth: b64(`${bed.user}:${token}`) });
  const other = { 'quay.io': { auth: b64('me:quay-secret') } };

  it.each([
    ['only QCI’s entry', {}],
    ['other entries too', other],
  ])(
    'logout of a file that held %s: no backup, none named',
    async (_, others) => {
      await fresh();
      const file = pe.authFiles.xdgConfig;
      writeJson(file, {
        auths: { [bed.proxy.host]: qciEntry('x'), ...others },
      });
      const logout = await qci(['logout']);
      expect(logout.exitCode, logout.stderr).toBe(0);
      expect(logout.stderr).toContain(
        `removed ${bed.proxy.host} from ~/.config/containers/auth.json`,
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
    const file = pe.authFiles.xdgRuntime;
    writeJson(file, before);
    const login = await qci(['login']);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(readJson(file).auths[bed.proxy.host]).toBeDefined();
    expect(login.stderr).not.toContain('backup');
    expect(backupsOf(file)).toEqual([]);
  });

  it('login over an older QCI secret keeps it in a backup; logout then removes that backup, which would hold nothing', async () => {
    await fresh();
    const file = pe.authFiles.xdgRuntime;
    const older = bed.appci.createToken(bed.user);
    writeJson(file, { auths: { [bed.proxy.host]: qciEntry(older) } });
    const login = await qci(['login']);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(backupsOf(file)).toEqual([
      { auths: { [bed.proxy.host]: qciEntry(older) } },
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
      const stale = bed.appci.createToken(bed.user, {
        createdAt: new Date(Date.now() - 40 * 86_400_000),
      });
      const file = pe.authFiles.docker;
      writeJson(file, {
        auths: { [bed.proxy.host]: qciEntry(stale), ...others },
      });
      const fix = await qci(['doctor', '--fix']);
      expect(fix.exitCode, fix.stdout + fix.stderr).toBe(0);
      expect(fix.stderr).toContain(
        `removed ${bed.proxy.host} from ~/.docker/config.json`,
      );
      expect(fix.stderr).not.toContain('backup');
      expect(readJson(file)).toEqual({ auths: others });
      expect(backupsOf(file)).toEqual([]);
    },
  );
});

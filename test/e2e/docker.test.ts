/**
 * qci with docker for real: the real bin/qci and docker client against the run's private dockerd
 * (Debian's docker.io 20.10, testbed/docker.ts), pulling through the quay-proxy stand-in in front of the
 * real registry, with the fake app.ci deciding which tokens live. Each test has its own HOME (so its own
 * ~/.docker/config.json); the images it pulled are removed from the shared daemon afterwards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchCommandLines } from './argv-watch.js';
import { type DockerDaemon, sharedDockerd } from './testbed/docker.js';
import {
  TESTBED_TOOLS,
  createPodmanEnv,
  requireTools,
  startTestBed,
  type PodmanEnv,
  type TestBed,
} from './testbed/index.js';

const tools = requireTools([...TESTBED_TOOLS, 'dockerd', 'docker']);
const BIN = fileURLToPath(new URL('../../bin', import.meta.url));
const QCI = join(BIN, 'qci');
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe.skipIf(!tools.ok)('qci with docker (end to end)', () => {
  let bed: TestBed;
  let daemon: DockerDaemon;
  let pe: PodmanEnv;
  let kubeconfig: string;

  beforeAll(async () => {
    [bed, daemon] = await Promise.all([
      startTestBed({ denyMode: 'auth-401' }),
      sharedDockerd(),
    ]);
  });
  afterAll(async () => bed?.stop());
  afterEach(async () => {
    await removeImages();
    await pe?.stop();
  });

  /** A fresh HOME with a kubeconfig for `token`; docker on PATH is the chosen client, bin/ next. */
  async function fresh(token = bed.token): Promise<void> {
    pe = await createPodmanEnv({ insecureRegistries: [bed.proxy.host] });
    kubeconfig = join(pe.home, '.kube', 'config');
    mkdirSync(dirname(kubeconfig), { recursive: true });
    await bed.appci.kubeconfig({ token, path: kubeconfig });
  }
  const env = (): Record<string, string> => ({
    PATH: [daemon.clientBin, BIN, process.env.PATH ?? ''].join(delimiter),
    DOCKER_HOST: daemon.host,
    KUBECONFIG: kubeconfig,
    QCI_REGISTRY: bed.proxy.host,
  });
  const qci = (args: string[], extra: Record<string, string> = {}) =>
    pe.run(process.execPath, [QCI, ...args], {
      env: { ...env(), ...extra },
    });
  const docker = (args: string[]) =>
    pe.run('docker', args, { env: env(), timeoutMs: 120_000 });
  const configPath = () => pe.authFiles.docker;
  const readConfig = () =>
    JSON.parse(readFileSync(configPath(), 'utf8')) as Record<string, any>;
  function writeConfig(value: unknown) {
    mkdirSync(dirname(configPath()), { recursive: true });
    writeFileSync(configPath(), JSON.stringify(value, null, '\t'), {
      mode: 0o600,
    });
  }
  /** What reached the proxy's token endpoint since the last clear: who, and with which kind of credential. */
  const authRequests = () =>
    bed.proxy.requests.filter((r) => r.path === '/v2/auth');

  /** Removes every image of this bed from the shared daemon (other files' images stay). */
  async function removeImages() {
    if (!pe || !daemon) return;
    const list = await docker([
      'images',
      '--format',
      '{{.ID}} {{.Repository}}',
    ]);
    const ids = list.stdout
      .split('\n')
      .filter((l) => l.includes(` ${bed.proxy.host}/`))
      .map((l) => l.split(' ')[0]!);
    if (ids.length > 0) await docker(['rmi', '-f', ...new Set(ids)]);
  }
  const images = async () =>
    (await docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout;

  it('qci login --engine docker: docker login gets the token on stdin, then a plain docker pull works', async () => {
    await fresh();
    const watch = watchCommandLines();
    const login = await qci(['login', '--engine', 'docker']);
    const seen = await watch.stop();
    expect(login.exitCode, login.stderr).toBe(0);
    expect([...seen].some((c) => c.includes('login --password-stdin'))).toBe(
      true,
    );
    for (const cmdline of seen) expect(cmdline).not.toContain(bed.token);
    expect(login.stdout + login.stderr).not.toContain(bed.token);
    expect(login.stderr).toContain(
      `Logged in to ${bed.proxy.host} as ${bed.user} (docker)`,
    );
    expect(login.stderr).toContain('credential in ~/.docker/config.json');
    expect(statSync(configPath()).mode & 0o777).toBe(0o600);
    expect(readConfig().auths[bed.proxy.host].auth).toBe(
      b64(`${bed.user}:${bed.token}`),
    );

    bed.proxy.clearRequests();
    const pull = await docker(['pull', bed.ref()]);
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(authRequests()).toContainEqual(
      expect.objectContaining({ auth: 'basic', user: bed.user, status: 200 }),
    );
    expect(await images()).toContain(`${bed.proxy.host}/openshift/ci`);
  });
});

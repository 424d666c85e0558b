/**
 * qci with docker for real: the real bin/qci and docker client against the run's private dockerd
 * (Debian's docker.io 20.10, testbed/docker.ts), pulling through the quay-proxy stand-in in front of the
 * real registry, with the fake app.ci deciding which tokens live. Each test has its own HOME (so its own
 * ~/.docker/config.json); the images it pulled are removed from the shared daemon afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { watchCommandLines } from './argv-watch.js';
import {
  type DockerDaemon,
  removeImagesOf,
  sharedDockerd,
} from './testbed/docker.js';
import {
  fakeCredentialStore,
  type FakeCredentialStore,
} from './testbed/fake-helper.js';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { BIN_DIR, b64, useTestBed, writeJson } from './testbed/fixture.js';

const tools = requireTools([...TESTBED_TOOLS, 'dockerd', 'docker']);

// Each test runs several real qci, docker and dockerd round trips: room for a loaded machine.
describe.skipIf(!tools.ok)(
  'qci with docker (end to end)',
  { timeout: 180_000 },
  () => {
    let daemon: DockerDaemon;
    let kubeconfig: string;
    const tb = useTestBed({
      denyMode: 'auth-401',
      qciEnv: () => env(),
      setup: async () => {
        daemon = await sharedDockerd();
      },
    });
    afterEach(removeImages);

    /** A fresh HOME with a kubeconfig for `token`; docker on PATH is the chosen client, bin/ next. */
    async function fresh(token = tb.bed.token): Promise<void> {
      await tb.freshPodman();
      kubeconfig = await tb.kubeconfigAtHome(token);
    }
    const env = (): Record<string, string> => ({
      PATH: [daemon.clientBin, BIN_DIR, process.env.PATH ?? ''].join(delimiter),
      DOCKER_HOST: daemon.host,
      KUBECONFIG: kubeconfig,
      QCI_REGISTRY: tb.bed.proxy.host,
      QCI_TLS_VERIFY: 'false',
    });
    const { qci } = tb;
    /** `qci pull --engine docker ARGS`. */
    const pullWithDocker = (...args: string[]) =>
      qci(['pull', '--engine', 'docker', ...args]);
    const docker = (args: string[]) =>
      tb.pe.run('docker', args, { env: env(), timeoutMs: 120_000 });
    const configPath = () => tb.pe.authFiles.docker;
    const readConfig = () =>
      JSON.parse(readFileSync(configPath(), 'utf8')) as Record<string, any>;
    const writeConfig = (value: unknown) => writeJson(configPath(), value);
    /** What reached the proxy's token endpoint since the last clear: who, and with which kind of credential. */
    const authRequests = () =>
      tb.bed.proxy.requests.filter((r) => r.path === '/v2/auth');

    /** Removes every image of this bed from the shared daemon (other files' images stay). */
    async function removeImages() {
      if (tb.hasPodman && daemon)
        await removeImagesOf(tb.bed.proxy.host, docker);
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
      for (const cmdline of seen) expect(cmdline).not.toContain(tb.bed.token);
      expect(login.stdout + login.stderr).not.toContain(tb.bed.token);
      expect(login.stderr).toContain(
        `Logged in to ${tb.bed.proxy.host} as ${tb.bed.user} (docker)`,
      );
      expect(login.stderr).toContain('credential in ~/.docker/config.json');
      expect(statSync(configPath()).mode & 0o777).toBe(0o600);
      expect(readConfig().auths[tb.bed.proxy.host].auth).toBe(
        b64(`${tb.bed.user}:${tb.bed.token}`),
      );

      tb.bed.proxy.clearRequests();
      const pull = await docker(['pull', tb.bed.ref()]);
      expect(pull.exitCode, pull.stderr).toBe(0);
      expect(authRequests()).toContainEqual(
        expect.objectContaining({
          auth: 'basic',
          user: tb.bed.user,
          status: 200,
        }),
      );
      expect(await images()).toContain(`${tb.bed.proxy.host}/openshift/ci`);
    });

    it('qci pull --engine docker, never logged in: logs in by itself and pulls; stdout is the image ID only', async () => {
      await fresh();
      const r = await pullWithDocker('ocp/4.7:my-component');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain(
        `docker has no credential for ${tb.bed.proxy.host}; logging in`,
      );
      // docker prints its progress on stdout; qci moves it to stderr, live, and prints the ID as podman does.
      expect(r.stderr).toContain('Pull complete');
      const id = await docker([
        'image',
        'inspect',
        '--format',
        '{{.Id}}',
        tb.bed.ref(),
      ]);
      expect(r.stdout).toBe(`${id.stdout.trim().replace('sha256:', '')}\n`);
      expect(r.stdout + r.stderr).not.toContain(tb.bed.token);
      expect(await images()).toContain(`${tb.bed.proxy.host}/openshift/ci`);

      // Second pull: the pre-flight finds the valid credential and does not log in again.
      tb.bed.proxy.clearRequests();
      const again = await pullWithDocker('-q', 'ocp/4.7:my-component');
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stderr).not.toContain('logging in');
      expect(again.stdout).toBe(r.stdout);
      expect(authRequests().map((a) => a.user)).toEqual([tb.bed.user]);
      const missing = await pullWithDocker('ocp/4.7:no-such');
      expect(missing.exitCode).toBe(5);
      expect(missing.stderr).toContain(
        'not found: QCI has no tag ocp_4.7_no-such',
      );
      expect(missing.stderr).not.toMatch(/qci login|logging in/);
      const json = await pullWithDocker('-q', '--json', 'ocp/4.7:my-component');
      expect(JSON.parse(json.stdout).results[0]).toMatchObject({
        ok: true,
        imageId: r.stdout.trim(),
      });
    });

    it('qci pull --engine docker, expired token in ~/.docker/config.json: logs in again, pulls, keeps the rest', async () => {
      await fresh();
      const stale = tb.bed.appci.createToken(tb.bed.user);
      tb.bed.appci.expireToken(stale);
      writeConfig({
        auths: {
          [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${stale}`) },
          'other.example.com': { auth: b64('someone:keep-me') },
        },
        psFormat: 'table {{.ID}}',
      });
      // The layout is real: docker itself fails with it.
      const before = await docker(['pull', tb.bed.ref()]);
      expect(before.exitCode).toBe(1);
      expect(before.stderr).toContain('unauthorized');

      const r = await pullWithDocker('--local-name', 'ocp/4.7:my-component');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        /the error above: \S+ rejected the credential docker sent \(.+\), an expired or revoked app\.ci token; logging in again and retrying once\n/,
      );
      expect(r.stdout + r.stderr).not.toContain(stale);
      const config = readConfig();
      expect(config.auths[tb.bed.proxy.host].auth).toBe(
        b64(`${tb.bed.user}:${tb.bed.token}`),
      );
      expect(config.auths['other.example.com']).toEqual({
        auth: b64('someone:keep-me'),
      });
      expect(config.psFormat).toBe('table {{.ID}}');
      expect(await images()).toContain('ocp/4.7:my-component');
    });

    it('qci pull --engine docker --authfile: a usage error before anything runs (docker has no --authfile)', async () => {
      await fresh();
      tb.bed.proxy.clearRequests();
      const authfile = join(tb.pe.dir, 'auth.json');
      const r = await pullWithDocker('--authfile', authfile, 'ocp/4.7:cli');
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('docker has no --authfile');
      expect(r.stderr).toContain('DOCKER_CONFIG=DIR qci pull --engine docker');
      expect(existsSync(authfile)).toBe(false);
      expect(existsSync(configPath())).toBe(false);
      expect(tb.bed.proxy.requests).toEqual([]);
    });

    it('whoami and doctor name what docker sends: valid after login; an expired token is flagged with its fix', async () => {
      await fresh();
      expect((await qci(['login', '--engine', 'docker'])).exitCode).toBe(0);
      const whoami = await qci(['whoami']);
      expect(whoami.exitCode, whoami.stderr).toBe(0);
      expect(whoami.stdout).toMatch(
        /docker\s+✓ uses \S+ in ~\/\.docker\/config\.json: the token of your app\.ci context: valid/,
      );
      const json = JSON.parse((await qci(['whoami', '--json'])).stdout);
      expect(json.engines).toContainEqual(
        expect.objectContaining({
          engine: 'docker',
          state: 'current',
          file: configPath(),
          user: tb.bed.user,
        }),
      );
      const healthy = await qci(['doctor']);
      expect(healthy.exitCode, healthy.stdout).toBe(0);

      // The token goes bad: docker's pull fails, and qci says so, naming the file and the fix.
      const stale = tb.bed.appci.createToken(tb.bed.user);
      tb.bed.appci.expireToken(stale);
      writeConfig({
        auths: {
          [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${stale}`) },
        },
      });
      expect((await docker(['pull', tb.bed.ref()])).stderr).toContain(
        'unauthorized',
      );
      const bad = await qci(['whoami']);
      expect(bad.exitCode).toBe(3);
      expect(bad.stdout).toMatch(
        /docker\s+✗ uses \S+ in ~\/\.docker\/config\.json: an expired or revoked app\.ci token/,
      );
      const doctor = await qci(['doctor']);
      expect(doctor.exitCode).toBe(1);
      expect(doctor.stdout).toMatch(
        /✗ auth files\s+\S+ in ~\/\.docker\/config\.json holds an expired or revoked app\.ci token .*docker send/,
      );
      expect(doctor.stdout + doctor.stderr).not.toContain(stale);

      // --fix with docker as the engine: the dead entry goes, docker logs in again, docker pulls.
      const fix = await qci(['doctor', '--fix'], { QCI_ENGINE: 'docker' });
      expect(fix.exitCode, fix.stdout + fix.stderr).toBe(0);
      expect(fix.stdout + fix.stderr).toContain(
        `logged docker in to ${tb.bed.proxy.host} as ${tb.bed.user}`,
      );
      expect(readConfig().auths[tb.bed.proxy.host].auth).toBe(
        b64(`${tb.bed.user}:${tb.bed.token}`),
      );
      expect((await docker(['pull', tb.bed.ref()])).exitCode).toBe(0);
    });

    it('qci logout: docker then sends no credential at all; other entries and keys stay', async () => {
      await fresh();
      writeConfig({
        auths: { 'other.example.com': { auth: b64('someone:keep-me') } },
        HttpHeaders: { 'X-Test': 'kept' },
      });
      expect((await qci(['login', '--engine', 'docker'])).exitCode).toBe(0);
      expect((await docker(['pull', tb.bed.ref()])).exitCode).toBe(0);

      const logout = await qci(['logout']);
      expect(logout.exitCode, logout.stderr).toBe(0);
      expect(logout.stderr).toContain(
        `removed ${tb.bed.proxy.host} from ~/.docker/config.json`,
      );
      const config = readConfig();
      expect(config.auths).toEqual({
        'other.example.com': { auth: b64('someone:keep-me') },
      });
      expect(config.HttpHeaders).toEqual({ 'X-Test': 'kept' });

      tb.bed.proxy.clearRequests();
      const pull = await docker(['pull', tb.bed.ref('ocp_4.7_my-component')]);
      expect(pull.exitCode).toBe(1);
      expect(pull.stderr).toContain('unauthorized');
      expect(authRequests().length).toBeGreaterThan(0);
      expect(authRequests().every((a) => a.auth === 'none')).toBe(true);
      const whoami = await qci(['whoami']);
      expect(whoami.stdout).toMatch(/docker\s+i has no credential/);
    });

    it('docker-credential-qci: docker asks it on every pull; a rotated kube token is used at once; no secret is stored', async () => {
      const first = tb.bed.appci.createToken(tb.bed.user);
      await fresh(first);
      // The helper runs under docker, so the registry comes from qci's config file, not the environment.
      mkdirSync(join(tb.pe.xdgConfigHome, 'qci'), { recursive: true });
      writeFileSync(
        join(tb.pe.xdgConfigHome, 'qci', 'config.yaml'),
        `registry: ${tb.bed.proxy.host}\n`,
      );
      const login = await qci(['login', '--helper', '--engine', 'docker']);
      expect(login.exitCode, login.stderr).toBe(0);
      expect(login.stderr).toContain(
        '~/.docker/config.json (docker): registered',
      );
      expect(readConfig()).toEqual({
        credHelpers: { [tb.bed.proxy.host]: 'qci' },
      });

      tb.bed.proxy.clearRequests();
      const pull = await docker(['pull', tb.bed.ref()]);
      expect(pull.exitCode, pull.stderr).toBe(0);
      expect(authRequests()).toEqual([
        expect.objectContaining({
          auth: 'basic',
          user: tb.bed.user,
          status: 200,
        }),
      ]);
      const whoami = await qci(['whoami']);
      expect(whoami.stdout).toMatch(
        /docker\s+✓ uses credential helper docker-credential-qci for \S+ in ~\/\.docker\/config\.json/,
      );

      // `oc login` again: a new token in the kubeconfig, the old one revoked. docker's next pull just works.
      const next = tb.bed.appci.createToken(tb.bed.user);
      tb.bed.appci.revokeToken(first);
      await tb.bed.appci.kubeconfig({ token: next, path: kubeconfig });
      await removeImages();
      tb.bed.proxy.clearRequests();
      const again = await docker(['pull', tb.bed.ref()]);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(authRequests()).toEqual([
        expect.objectContaining({ auth: 'basic', status: 200 }),
      ]);
      for (const text of [readFileSync(configPath(), 'utf8'), again.stdout])
        for (const token of [first, next]) expect(text).not.toContain(token);

      // And `qci logout --helper`: docker asks nobody, sends nothing.
      const logout = await qci(['logout', '--helper']);
      expect(logout.exitCode, logout.stderr).toBe(0);
      expect(readConfig().credHelpers ?? {}).toEqual({});
      tb.bed.proxy.clearRequests();
      expect((await docker(['pull', tb.bed.ref()])).exitCode).toBe(1);
      expect(authRequests().every((a) => a.auth === 'none')).toBe(true);
    });

    describe('Docker Desktop-like: credsStore names a helper that keeps the QCI secret', () => {
      let store: FakeCredentialStore;
      let withStore: Record<string, string>;

      /** ~/.docker/config.json as Docker Desktop writes it, and docker-credential-desktop on PATH. */
      async function desktop(token = tb.bed.token): Promise<void> {
        await fresh(token);
        const bin = join(tb.pe.dir, 'bin');
        mkdirSync(bin);
        store = fakeCredentialStore(bin, tb.pe.dir, 'desktop');
        withStore = {
          PATH: [daemon.clientBin, bin, BIN_DIR, process.env.PATH ?? ''].join(
            delimiter,
          ),
        };
        writeConfig({ auths: {}, credsStore: 'desktop' });
      }
      const dockerWithStore = (args: string[]) =>
        tb.pe.run('docker', args, {
          env: { ...env(), ...withStore },
          timeoutMs: 120_000,
        });
      /** The QCI secret parked in the store, as `docker login` leaves it (a `{}` placeholder in auths). */
      function parkSecret(secret: string) {
        store.write({
          [tb.bed.proxy.host]: { Username: tb.bed.user, Secret: secret },
        });
        writeConfig({
          auths: { [tb.bed.proxy.host]: {} },
          credsStore: 'desktop',
        });
      }
      const expiredToken = () => {
        const stale = tb.bed.appci.createToken(tb.bed.user);
        tb.bed.appci.expireToken(stale);
        return stale;
      };

      it('qci login --engine docker stores the token through the helper and says so; docker pull sends it', async () => {
        await desktop();
        const login = await qci(['login', '--engine', 'docker'], withStore);
        expect(login.exitCode, login.stderr).toBe(0);
        expect(login.stderr).toContain(
          'credential in docker-credential-desktop (named by ~/.docker/config.json)',
        );
        expect(login.stderr).not.toContain('warning');
        expect(store.read()).toEqual({
          [tb.bed.proxy.host]: { Username: tb.bed.user, Secret: tb.bed.token },
        });
        // No secret in the file: docker leaves a placeholder and keeps credsStore.
        expect(readConfig()).toEqual({
          auths: { [tb.bed.proxy.host]: {} },
          credsStore: 'desktop',
        });
        const json = JSON.parse(
          (await qci(['login', '--engine', 'docker', '--json'], withStore))
            .stdout,
        );
        expect(json).toMatchObject({
          helper: 'desktop',
          authFile: configPath(),
        });

        tb.bed.proxy.clearRequests();
        const pull = await dockerWithStore(['pull', tb.bed.ref()]);
        expect(pull.exitCode, pull.stderr).toBe(0);
        expect(store.calls()).toContain(`get ${tb.bed.proxy.host}`);
        expect(authRequests()).toContainEqual(
          expect.objectContaining({
            auth: 'basic',
            user: tb.bed.user,
            status: 200,
          }),
        );
      });

      it('an expired QCI secret in the store: qci pull --engine docker logs in again through the helper and pulls', async () => {
        await desktop();
        const stale = expiredToken();
        parkSecret(stale);
        const before = await dockerWithStore(['pull', tb.bed.ref()]);
        expect(before.exitCode).toBe(1);
        expect(before.stderr).toContain('unauthorized');

        const r = await qci(
          ['pull', '--engine', 'docker', 'ocp/4.7:my-component'],
          withStore,
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
        expect(r.stdout + r.stderr).not.toContain(stale);
        expect(store.read()[tb.bed.proxy.host]?.Secret).toBe(tb.bed.token);
        expect(readConfig().credsStore).toBe('desktop');
        expect(await images()).toContain(`${tb.bed.proxy.host}/openshift/ci`);
      });

      // The helper is asked as docker asks it and its answer judged.
      it('an expired QCI secret in the store: whoami and doctor say docker sends a dead token', async () => {
        await desktop();
        const stale = expiredToken();
        parkSecret(stale);
        expect((await dockerWithStore(['pull', tb.bed.ref()])).exitCode).toBe(
          1,
        );
        const whoami = await qci(['whoami'], withStore);
        expect(whoami.stdout).toMatch(/docker\s+✗ .*expired or revoked/);
        const json = JSON.parse(
          (await qci(['whoami', '--json'], withStore)).stdout,
        );
        expect(json.engines).toContainEqual(
          expect.objectContaining({ engine: 'docker', state: 'expired' }),
        );
        const doctor = await qci(['doctor'], withStore);
        expect(doctor.exitCode).toBe(1);
        expect(doctor.stdout).toMatch(
          /✗ auth files .*docker-credential-desktop/,
        );
        expect(whoami.stdout + doctor.stdout).not.toContain(stale);
      });

      // qci logout erases the QCI secret through the helper (credsStore).
      it('qci logout erases the QCI secret from the store: docker then sends nothing', async () => {
        await desktop();
        expect(
          (await qci(['login', '--engine', 'docker'], withStore)).exitCode,
        ).toBe(0);
        store.write({
          ...store.read(),
          'other.example.com': { Username: 'someone', Secret: 'keep-me' },
        });
        const logout = await qci(['logout'], withStore);
        expect(logout.exitCode, logout.stderr).toBe(0);
        expect(store.read()).toEqual({
          'other.example.com': { Username: 'someone', Secret: 'keep-me' },
        });
        expect(readConfig().credsStore).toBe('desktop');
        tb.bed.proxy.clearRequests();
        expect((await dockerWithStore(['pull', tb.bed.ref()])).exitCode).toBe(
          1,
        );
        expect(authRequests().every((a) => a.auth === 'none')).toBe(true);
      });
    });
  },
);

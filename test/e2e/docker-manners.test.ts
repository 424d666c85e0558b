/**
 * qci with docker says docker's own words: no --tls-verify that docker would ignore, the image ID on
 * stdout from job-image --pull as from qci pull, the engine named in doctor's registry check, `docker
 * logout` for docker's `{}` placeholder, and why a corrupt ~/.docker/config.json leaves docker with
 * nothing. Real bin/qci, the real docker client and the run's private dockerd (testbed/docker.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
const NS = 'ci-op-2c2tvgti';

describe.skipIf(!tools.ok)(
  "qci with docker: docker's own words (end to end)",
  { timeout: 180_000 },
  () => {
    let bed: TestBed;
    let daemon: DockerDaemon;
    let pe: PodmanEnv;
    let kubeconfig: string;

    beforeAll(async () => {
      [bed, daemon] = await Promise.all([startTestBed(), sharedDockerd()]);
      await bed.pushImage({ repository: `${NS}/pipeline`, tags: ['bin'] });
      bed.appci.setImageStreamTags(NS, 'pipeline', ['bin']);
    });
    afterAll(async () => bed?.stop());
    afterEach(async () => {
      if (pe) {
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
        await pe.stop();
      }
    });

    async function fresh(context = 'app.ci'): Promise<void> {
      pe = await createPodmanEnv({ insecureRegistries: [bed.proxy.host] });
      kubeconfig = join(pe.home, '.kube', 'config');
      mkdirSync(dirname(kubeconfig), { recursive: true });
      await bed.appci.kubeconfig({
        token: bed.token,
        path: kubeconfig,
        context,
      });
    }
    const env = (): Record<string, string> => ({
      PATH: [daemon.clientBin, BIN, process.env.PATH ?? ''].join(delimiter),
      DOCKER_HOST: daemon.host,
      KUBECONFIG: kubeconfig,
      QCI_REGISTRY: bed.proxy.host,
      QCI_ENGINE: 'docker',
    });
    const qci = (args: string[], extra: Record<string, string> = {}) =>
      pe.run(process.execPath, [QCI, ...args], { env: { ...env(), ...extra } });
    const docker = (args: string[]) =>
      pe.run('docker', args, { env: env(), timeoutMs: 120_000 });
    function writeConfig(text: string) {
      mkdirSync(dirname(pe.authFiles.docker), { recursive: true });
      writeFileSync(pe.authFiles.docker, text, { mode: 0o600 });
    }

    it('--tls-verify=false with docker is refused (docker has none), naming daemon.json', async () => {
      await fresh();
      bed.proxy.clearRequests();
      for (const args of [
        ['pull', '--tls-verify=false', 'ocp/4.7:my-component'],
        ['login', '--tls-verify=false'],
      ]) {
        const r = await qci(args);
        expect(r.exitCode, r.stderr).toBe(2);
        expect(r.stderr).toContain('--tls-verify=false does not reach docker');
        expect(r.stderr).toContain(
          `add "${bed.proxy.host}" to "insecure-registries" in /etc/docker/daemon.json`,
        );
      }
      expect(bed.proxy.requests).toEqual([]); // refused before anything ran
      // From the environment it still turns off qci's own checks (a plain-HTTP test registry needs
      // that); docker's pull goes on, and --verbose says docker ignores it.
      const r = await qci(['pull', '-q', '--verbose', 'ocp/4.7:my-component'], {
        QCI_TLS_VERIFY: 'false',
      });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain(
        "docker has no --tls-verify: QCI_TLS_VERIFY=false turns off qci's own TLS checks only",
      );
    });

    it('job-image --pull with docker prints the image ID on stdout, as qci pull does', async () => {
      await fresh('build02');
      const log = join(pe.dir, 'build-log.txt');
      writeFileSync(
        log,
        `2020/11/20 14:12:28 Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/${NS}\n`,
      );
      const r = await qci(['job-image', '--pull', '--tag', 'bin', log], {
        QCI_FARM_REGISTRY: bed.proxy.host,
      });
      expect(r.exitCode, r.stderr).toBe(0);
      const id = await docker([
        'image',
        'inspect',
        '--format',
        '{{.Id}}',
        `${bed.proxy.host}/${NS}/pipeline:bin`,
      ]);
      expect(id.exitCode, id.stderr).toBe(0);
      expect(r.stdout).toBe(`${id.stdout.trim().replace('sha256:', '')}\n`);
      expect(r.stdout + r.stderr).not.toContain(bed.token);
    });

    it("doctor's registry check names docker when docker is the engine", async () => {
      await fresh();
      const login = await qci(['login'], { QCI_TLS_VERIFY: 'false' });
      expect(login.exitCode, login.stderr).toBe(0);
      const doctor = await qci(['doctor'], { QCI_TLS_VERIFY: 'false' });
      const out = doctor.stdout + doctor.stderr;
      expect(out).toContain(
        `${bed.proxy.host} accepts the credential docker sends (${bed.proxy.host} in ~/.docker/config.json)`,
      );
      expect(out).not.toContain('the credential podman sends');
    });

    it("docker's {} placeholder: whoami and doctor say `docker logout HOST`, which removes it", async () => {
      await fresh();
      const host = bed.proxy.host;
      writeConfig(JSON.stringify({ auths: { [host]: {}, 'quay.io': {} } }));
      const whoami = await qci(['whoami']);
      expect(whoami.stdout).toContain(
        `${host} in ~/.docker/config.json is a {} placeholder with no credential helper behind it; remove it with: docker logout ${host}`,
      );
      const doctor = await qci(['doctor'], { QCI_TLS_VERIFY: 'false' });
      const out = doctor.stdout + doctor.stderr;
      expect(out).toContain(`fix: docker logout ${host}`);
      expect(out).not.toContain('podman logout');
      // What they suggest works: docker's own logout removes the placeholder and keeps the rest.
      const logout = await docker(['logout', host]);
      expect(logout.exitCode, logout.stderr).toBe(0);
      expect(JSON.parse(readFileSync(pe.authFiles.docker, 'utf8'))).toEqual({
        auths: { 'quay.io': {} },
      });
    });

    it('whoami on a corrupt ~/.docker/config.json says why docker sends nothing: the file and where it breaks', async () => {
      await fresh();
      writeConfig(`{"auths": {\n  "${bed.proxy.host}": {"auth": "x"},\n}`);
      // docker itself warns and pulls anonymously (docker 20.10).
      const pull = await docker(['pull', bed.ref()]);
      expect(pull.stderr).toContain('WARNING: Error loading config file');
      const text = await qci(['whoami']);
      const line = text.stdout.split('\n').find((l) => l.startsWith('docker'));
      expect(line).toContain(
        '~/.docker/config.json is not valid JSON (syntax error at line 3, column 1',
      );
      expect(line).toContain('docker warns and pulls anonymously');
      const json = await qci(['whoami', '--json']);
      const report = JSON.parse(json.stdout) as {
        engines: { engine: string; sends: string }[];
      };
      expect(report.engines.find((e) => e.engine === 'docker')?.sends).toBe(
        'nothing',
      );
    });
  },
);

/**
 * qci with docker says docker's own words: no --tls-verify that docker would ignore, the image ID on
 * stdout from job-image --pull as from qci pull, the engine named in doctor's registry check, `docker
 * logout` for docker's `{}` placeholder, and why a corrupt ~/.docker/config.json leaves docker with
 * nothing. Real bin/qci, the real docker client and the run's private dockerd (testbed/docker.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import {
  type DockerDaemon,
  removeImagesOf,
  sharedDockerd,
} from './testbed/docker.js';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { BIN_DIR, useTestBed } from './testbed/fixture.js';
import { QCI_BIN, scriptArgs } from '../helpers/pty.js';

const tools = requireTools([...TESTBED_TOOLS, 'dockerd', 'docker', 'script']);
const NS = 'ci-op-2c2tvgti';

describe.skipIf(!tools.ok)(
  "qci with docker: docker's own words (end to end)",
  { timeout: 180_000 },
  () => {
    let daemon: DockerDaemon;
    let kubeconfig: string;
    const tb = useTestBed({
      qciEnv: () => env(),
      setup: async (bed) => {
        daemon = await sharedDockerd();
        await bed.pushImage({ repository: `${NS}/pipeline`, tags: ['bin'] });
        bed.appci.setImageStreamTags(NS, 'pipeline', ['bin']);
      },
    });
    afterEach(async () => {
      if (tb.hasPodman) await removeImagesOf(tb.bed.proxy.host, docker);
    });

    async function fresh(context = 'app.ci'): Promise<void> {
      await tb.freshPodman();
      kubeconfig = await tb.kubeconfigAtHome(undefined, context);
    }
    const env = (): Record<string, string> => ({
      PATH: [daemon.clientBin, BIN_DIR, process.env.PATH ?? ''].join(delimiter),
      DOCKER_HOST: daemon.host,
      KUBECONFIG: kubeconfig,
      QCI_REGISTRY: tb.bed.proxy.host,
      QCI_ENGINE: 'docker',
    });
    const qci = (args: string[], extra: Record<string, string> = {}) =>
      tb.qci(args, extra);
    const docker = (args: string[]) =>
      tb.pe.run('docker', args, { env: env(), timeoutMs: 120_000 });
    function writeConfig(text: string) {
      mkdirSync(dirname(tb.pe.authFiles.docker), { recursive: true });
      writeFileSync(tb.pe.authFiles.docker, text, { mode: 0o600 });
    }

    it('--tls-verify=false with docker is refused (docker has none), naming daemon.json', async () => {
      await fresh();
      tb.bed.proxy.clearRequests();
      for (const args of [
        ['pull', '--tls-verify=false', 'ocp/4.7:my-component'],
        ['login', '--tls-verify=false'],
      ]) {
        const r = await qci(args);
        expect(r.exitCode, r.stderr).toBe(2);
        expect(r.stderr).toContain('--tls-verify=false does not reach docker');
        expect(r.stderr).toContain(
          `add "${tb.bed.proxy.host}" to "insecure-registries" in /etc/docker/daemon.json`,
        );
      }
      expect(tb.bed.proxy.requests).toEqual([]); // refused before anything ran
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
      const log = join(tb.pe.dir, 'build-log.txt');
      writeFileSync(
        log,
        `2020/11/20 14:12:28 Using namespace https://console.build02.ci.openshift.org/k8s/cluster/projects/${NS}\n`,
      );
      const r = await qci(['job-image', '--pull', '--tag', 'bin', log], {
        QCI_FARM_REGISTRY: tb.bed.proxy.host,
      });
      expect(r.exitCode, r.stderr).toBe(0);
      const id = await docker([
        'image',
        'inspect',
        '--format',
        '{{.Id}}',
        `${tb.bed.proxy.host}/${NS}/pipeline:bin`,
      ]);
      expect(id.exitCode, id.stderr).toBe(0);
      expect(r.stdout).toBe(`${id.stdout.trim().replace('sha256:', '')}\n`);
      expect(r.stdout + r.stderr).not.toContain(tb.bed.token);
    });

    it("doctor's registry check names docker when docker is the engine", async () => {
      await fresh();
      const login = await qci(['login'], { QCI_TLS_VERIFY: 'false' });
      expect(login.exitCode, login.stderr).toBe(0);
      const doctor = await qci(['doctor'], { QCI_TLS_VERIFY: 'false' });
      const out = doctor.stdout + doctor.stderr;
      expect(out).toContain(
        `${tb.bed.proxy.host} accepts the credential docker sends (${tb.bed.proxy.host} in ~/.docker/config.json)`,
      );
      expect(out).not.toContain('the credential podman sends');
    });

    it("docker's {} placeholder: whoami and doctor say `docker logout HOST`, which removes it", async () => {
      await fresh();
      const host = tb.bed.proxy.host;
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
      expect(JSON.parse(readFileSync(tb.pe.authFiles.docker, 'utf8'))).toEqual({
        auths: { 'quay.io': {} },
      });
    });

    it('a docker daemon qci cannot reach: said so with how to start it (pull piped, on a terminal and after a login; images)', async () => {
      await fresh();
      const gone = {
        DOCKER_HOST: `unix://${join(tb.pe.home, 'no-docker.sock')}`,
      };
      const said = (text: string) => {
        expect(text).toContain('docker cannot reach its daemon');
        expect(text).toContain('sudo systemctl start docker');
      };
      const pull = ['pull', '--no-login', 'ocp/4.7:my-component'];
      const piped = await qci(pull, gone);
      expect(piped.exitCode, piped.stderr).toBe(1);
      said(piped.stderr);
      // On a terminal docker's words went to the screen: qci asks docker whether it reaches its daemon.
      const tty = await tb.pe.run(
        'script',
        scriptArgs([process.execPath, QCI_BIN, ...pull]),
        { env: { ...env(), ...gone }, timeoutMs: 60_000 },
      );
      expect(tty.exitCode, tty.stdout).toBe(1);
      said(tty.stdout);
      // docker logs in without its daemon (client side, docker 20.10+); its pull then says the same.
      const login = await qci(['pull', 'ocp/4.7:my-component'], gone);
      expect(login.exitCode, login.stderr).toBe(1);
      said(login.stderr);
      const images = await qci(['images'], gone);
      expect(images.exitCode, images.stderr).toBe(1);
      said(images.stderr);
    });

    it('whoami on a corrupt ~/.docker/config.json says why docker sends nothing: the file and where it breaks', async () => {
      await fresh();
      writeConfig(`{"auths": {\n  "${tb.bed.proxy.host}": {"auth": "x"},\n}`);
      // docker itself warns and pulls anonymously (docker 20.10).
      const pull = await docker(['pull', tb.bed.ref()]);
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

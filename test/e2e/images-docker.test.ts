/**
 * qci images, pull --if-stale, --pin and a missing platform with docker for real: the run's private
 * dockerd (testbed/docker.ts) pulling through the quay-proxy stand-in, qci reading docker's store
 * (`docker image ls` and `docker image inspect`) and docker's credential.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { delimiter } from 'node:path';
import {
  type DockerDaemon,
  removeImagesOf,
  sharedDockerd,
} from './testbed/docker.js';
import {
  TESTBED_TOOLS,
  requireTools,
  type PushedImage,
} from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';
import { deleteManifest, putIndex } from './testbed/manifests.js';
import { repoDigestsOf } from './testbed/local-images.js';

const tools = requireTools([...TESTBED_TOOLS, 'dockerd', 'docker']);

describe.skipIf(!tools.ok)(
  'qci images with docker (end to end)',
  { timeout: 180_000 },
  () => {
    let daemon: DockerDaemon;
    let gone: PushedImage;
    let index: Awaited<ReturnType<typeof putIndex>>;
    const tb = useTestBed({
      tags: ['ocp_5.0_mover'],
      qciEnv: () => env(),
      setup: async () => {
        daemon = await sharedDockerd();
      },
    });
    const env = (): Record<string, string> => ({
      PATH: [daemon.clientBin, process.env.PATH ?? ''].join(delimiter),
      DOCKER_HOST: daemon.host,
      QCI_REGISTRY: tb.bed.proxy.host,
      QCI_TLS_VERIFY: 'false',
      QCI_ENGINE: 'docker',
    });
    const docker = (args: string[], input?: string) =>
      tb.pe.run('docker', args, {
        env: env(),
        timeoutMs: 120_000,
        ...(input ? { input } : {}),
      });
    afterEach(async () => {
      if (tb.hasPodman && daemon)
        await removeImagesOf(tb.bed.proxy.host, docker);
    });

    beforeAll(async () => {
      gone = await tb.bed.pushImage({
        tags: ['ocp_5.0_gone'],
        content: 'gone soon\n',
      });
      await tb.bed.pushImage({
        tags: ['arm-instance'],
        content: 'arm64 flavour\n',
      });
      index = await putIndex(tb.bed, 'ocp_5.0_multi', [
        {
          tag: 'ocp_5.0_mover',
          platform: { os: 'linux', architecture: 'amd64' },
        },
        {
          tag: 'arm-instance',
          platform: { os: 'linux', architecture: 'arm64' },
        },
      ]);
    });

    async function loggedIn() {
      await tb.freshPodman();
      const login = await docker(
        ['login', '--password-stdin', '-u', tb.bed.user, tb.bed.proxy.host],
        tb.bed.token,
      );
      expect(login.exitCode, login.stderr).toBe(0);
    }
    const states = async () => {
      const r = await tb.qci(['images', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as {
        engine: string;
        images: {
          imageStreamTag: string;
          state: string;
          created: string | null;
        }[];
      };
      expect(report.engine).toBe('docker');
      return report.images;
    };

    it('current (with when built); stale after a push, gone after a delete; --pull-stale; --if-stale', async () => {
      await loggedIn();
      for (const tag of ['ocp_5.0_mover', 'ocp_5.0_gone', 'ocp_5.0_multi']) {
        const r = await docker(['pull', '-q', tb.bed.ref(tag)]);
        expect(r.exitCode, r.stderr).toBe(0);
      }
      const before = await states();
      expect(before.map((i) => [i.imageStreamTag, i.state]).sort()).toEqual([
        ['ocp/5.0:gone', 'current'],
        ['ocp/5.0:mover', 'current'],
        ['ocp/5.0:multi', 'current'],
      ]);
      // docker 20.10 leaves Metadata.LastTagTime at year 1 on a pull: the build time is what it has.
      for (const i of before)
        expect(Date.now() - Date.parse(i.created!)).toBeLessThan(600_000);

      const skip = await tb.qci(['pull', '-q', '--if-stale', 'ocp/5.0:mover']);
      expect(skip.exitCode, skip.stderr).toBe(0);
      expect(skip.stderr).toContain('current');

      const moved = await tb.bed.pushImage({
        tags: ['ocp_5.0_mover'],
        content: 'moved on\n',
      });
      await deleteManifest(tb.bed, gone.digest);
      const after = Object.fromEntries(
        (await states()).map((i) => [i.imageStreamTag, i.state]),
      );
      expect(after).toMatchObject({
        'ocp/5.0:mover': 'stale',
        'ocp/5.0:gone': 'gone',
      });

      const pull = await tb.qci(['images', '--pull-stale']);
      expect(pull.exitCode, pull.stderr).toBe(0);
      const digests = await repoDigestsOf(docker, tb.bed.ref('ocp_5.0_mover'));
      expect(digests).toContain(moved.digest);
      const final = Object.fromEntries(
        (await states()).map((i) => [i.imageStreamTag, i.state]),
      );
      expect(final['ocp/5.0:mover']).toBe('current');
    });

    it("--pin with docker's credential; a platform the index lacks: exit 5, the platforms named, nothing pulled", async () => {
      await loggedIn();
      const pin = await tb.qci(['inspect', '--pin', 'ocp/5.0:multi']);
      expect(pin.exitCode, pin.stderr).toBe(0);
      expect(pin.stdout.trim()).toBe(
        `${tb.bed.proxy.host}/openshift/ci@${index.digest}`,
      );
      const r = await tb.qci([
        'pull',
        '--platform',
        'linux/s390x',
        'ocp/5.0:multi',
      ]);
      expect(r.exitCode, r.stderr).toBe(5);
      expect(r.stderr).toContain('it has linux/amd64, linux/arm64');
      const listed = await docker([
        'image',
        'ls',
        '--format',
        '{{.Repository}}',
      ]);
      expect(listed.stdout).not.toContain(tb.bed.proxy.host);
    });
  },
);

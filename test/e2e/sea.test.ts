/**
 * The single executables (`npm run sea` → bin/sea/qci, bin/sea/docker-credential-qci) on a PATH with no
 * node on it: pullspec, login and pull against the test bed, and real podman pulling through the SEA
 * credential helper. Runs when the SEAs are built; QCI_TEST_SEA=1 (.ci/run) makes a missing one a failure.
 */
import { describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TESTBED_TOOLS, requireTools, which } from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';

const SEA = fileURLToPath(new URL('../../bin/sea', import.meta.url));
const DIST = fileURLToPath(new URL('../../bin/dist', import.meta.url));

/** Why the SEAs cannot be tested against this checkout's bundles ('' when they can). */
function unbuilt(): string {
  if (!existsSync(join(SEA, 'qci')) || !existsSync(join(SEA, 'bundles.json')))
    return 'bin/sea/qci is not built';
  const sums = JSON.parse(
    readFileSync(join(SEA, 'bundles.json'), 'utf8'),
  ) as Record<string, string>;
  const stale = Object.entries(sums).filter(
    ([file, sum]) =>
      !existsSync(join(DIST, file)) ||
      createHash('sha256')
        .update(readFileSync(join(DIST, file)))
        .digest('hex') !== sum,
  );
  return stale.length > 0
    ? `bin/sea was built from other bundles than bin/dist (${stale.map(([f]) => f).join(', ')})`
    : '';
}
const why = unbuilt();
if (why && process.env.QCI_TEST_SEA === '1')
  throw new Error(`QCI_TEST_SEA=1 and ${why}: run npm run sea`);
if (why) console.warn(`single-executable tests skipped: ${why} (npm run sea)`);
const built = why === '';
const tools = built
  ? requireTools(TESTBED_TOOLS)
  : { ok: false, missing: [], reason: '' };

/**
 * A PATH of its own: the SEAs and links to the few tools qci and podman run, and no node. Through
 * PATH podman finds docker-credential-qci, and qci finds podman.
 */
function pathWithoutNode(parent: string): { dir: string; path: string } {
  const dir = mkdtempSync(join(parent, 'sea-path-'));
  for (const name of ['qci', 'docker-credential-qci'])
    symlinkSync(join(SEA, name), join(dir, name));
  for (const tool of ['podman', 'skopeo']) {
    const found = which(tool);
    if (found) symlinkSync(found, join(dir, tool));
  }
  return { dir, path: dir };
}

describe.skipIf(!tools.ok)('single executables (no node on PATH)', () => {
  let bin: { dir: string; path: string };
  const tb = useTestBed({
    denyMode: 'auth-401',
    // In the bed's directory, removed with it.
    setup: (bed) => {
      bin = pathWithoutNode(bed.dir);
    },
  });

  /** A fresh podman environment whose kubeconfig logs in to the bed's app.ci, with the bed's proxy as QCI. */
  async function fresh(): Promise<Record<string, string>> {
    await tb.freshPodman();
    const kubeconfig = await tb.kubeconfigAtHome(
      tb.bed.appci.createToken(tb.bed.user),
    );
    tb.writeQciConfig();
    return { PATH: bin.path, KUBECONFIG: kubeconfig };
  }
  const sea = (
    name: string,
    args: string[],
    env: Record<string, string>,
    input?: string,
  ) =>
    tb.pe.run(name, args, {
      env: { ...env, QCI_SEA_REPORT_CACHE: '1' },
      ...(input === undefined ? {} : { input }),
    });

  it('has no node on its PATH', () => {
    expect(which('node', bin.path)).toBeUndefined();
    expect(which('qci', bin.path)).toBe(join(bin.dir, 'qci'));
  });

  it('pullspec, --version and the helper version run from their code caches', async () => {
    const env = await fresh();
    const spec = await sea('qci', ['pullspec', 'ocp/4.7:my-component'], env);
    expect(spec.exitCode, spec.stderr).toBe(0);
    expect(spec.stdout).toBe(
      `${tb.bed.proxy.host}/openshift/ci:ocp_4.7_my-component\n`,
    );
    // The bundles came from the SEA's assets (yaml for the config file, qci-impl for the zod that checks
    // its values), and V8 took their caches.
    expect(spec.stderr).toBe(
      'qci.cjs: code cache used\nyaml.cjs: code cache used\nqci-impl.cjs: code cache used\n',
    );
    // job-image reads a local log with its own bundle (qci-joblog.cjs), not qci-impl.cjs (no config
    // file here: its values would be checked with qci-impl's zod).
    const log = join(tb.pe.home, 'build-log.txt');
    writeFileSync(
      log,
      'INFO[2024-05-01T13:00:00Z] Using namespace https://console-openshift-console.apps.build05.ci.devcluster.openshift.com/k8s/cluster/projects/ci-op-sea00001\n',
    );
    const job = await sea('qci', ['job-image', log], {
      ...env,
      XDG_CONFIG_HOME: join(tb.pe.home, 'no-config'),
    });
    expect(job.exitCode, job.stderr).toBe(0);
    expect(job.stdout).toBe(
      'registry.build05.ci.openshift.org/ci-op-sea00001/pipeline:src\n',
    );
    expect(job.stderr).toContain('qci-joblog.cjs: code cache used\n');
    expect(job.stderr).not.toContain('qci-impl.cjs');
    const version = await sea('qci', ['--version'], env);
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    expect(version.stdout.trim()).toBe(pkg.version);
    const helper = await sea('docker-credential-qci', ['version'], env);
    expect(helper.exitCode).toBe(0);
    expect(helper.stdout).toContain(pkg.version);
  });

  it('login then pull: the token reaches podman, and podman pulls through the proxy', async () => {
    const env = await fresh();
    const login = await sea('qci', ['login'], env);
    expect(login.exitCode, login.stderr).toBe(0);
    // The kube client is a lazily loaded bundle: it came from the SEA's assets too.
    expect(login.stderr).toContain('kube.cjs: code cache used');
    expect(login.stderr).toContain(`Logged in to ${tb.bed.proxy.host}`);
    const pull = await sea(
      'qci',
      [
        'pull',
        '--quiet',
        '--no-login',
        '--tls-verify=false',
        'ocp/4.7:my-component',
      ],
      env,
    );
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(pull.stderr).toContain('execa.cjs: code cache used');
    const images = await tb.pe.podmanOk(['images', '--format', '{{.Digest}}']);
    expect(images.stdout).toContain(tb.bed.image.digest);
  });

  it('podman pulls through the SEA docker-credential-qci', async () => {
    const env = await fresh();
    const login = await sea('qci', ['login', '--helper'], env);
    expect(login.exitCode, login.stderr).toBe(0);
    expect(
      JSON.parse(readFileSync(tb.pe.authFiles.xdgRuntime, 'utf8')),
    ).toEqual({
      credHelpers: { [tb.bed.proxy.host]: 'qci' },
    });
    tb.bed.proxy.clearRequests();
    // Plain podman, no qci in between: it runs docker-credential-qci from PATH for the token.
    const pull = await tb.pe.podman(['pull', tb.bed.ref()], { env });
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(
      tb.bed.proxy.requests.some(
        (r) => r.path === '/v2/auth' && r.status === 200,
      ),
    ).toBe(true);
  });
});

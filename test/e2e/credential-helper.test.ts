/**
 * docker-credential-qci end to end: `qci login --helper` registers it, and real podman 4.3.1 and skopeo
 * 1.9.3 run the real bin (from PATH) on every pull through the quay-proxy stand-in, with the fake app.ci
 * deciding which tokens live. No secret is in any auth file; a token rotated in the kubeconfig is used by
 * the next pull.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TESTBED_TOOLS,
  createPodmanEnv,
  requireTools,
  startTestBed,
  type PodmanEnv,
  type TestBed,
} from './testbed/index.js';
import { pathWithout } from './testbed/tools.js';

const tools = requireTools(TESTBED_TOOLS);
const BIN = fileURLToPath(new URL('../../bin', import.meta.url));
const QCI = join(BIN, 'qci');
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe.skipIf(!tools.ok)(
  'docker-credential-qci and qci login --helper (end to end)',
  () => {
    let bed: TestBed;
    let pe: PodmanEnv;
    /** PATH with this checkout's bin/ first, as `npm install -g .` (or the README's PATH entry) gives. */
    const withBin = () => `${BIN}${delimiter}${process.env.PATH ?? ''}`;

    beforeAll(async () => {
      bed = await startTestBed({ denyMode: 'auth-401' });
    });
    afterAll(async () => bed?.stop());
    afterEach(async () => pe?.stop());

    /** A fresh podman environment whose kubeconfig lives at one path (so a rotation rewrites it in place). */
    async function fresh(
      token: string,
    ): Promise<{ kubeconfig: string; env: Record<string, string> }> {
      pe = await createPodmanEnv({ insecureRegistries: [bed.proxy.host] });
      const kubeconfig = join(pe.home, '.kube', 'config');
      mkdirSync(dirname(kubeconfig), { recursive: true });
      await bed.appci.kubeconfig({ token, path: kubeconfig });
      // The bed's proxy is the QCI host: said in qci's config file, which qci and the helper (run by podman) both read.
      mkdirSync(join(pe.xdgConfigHome, 'qci'), { recursive: true });
      writeFileSync(
        join(pe.xdgConfigHome, 'qci', 'config.yaml'),
        `registry: ${bed.proxy.host}\n`,
      );
      return { kubeconfig, env: { PATH: withBin(), KUBECONFIG: kubeconfig } };
    }
    const qci = (args: string[], env: Record<string, string | undefined>) =>
      pe.run(process.execPath, [QCI, ...args], { env });
    const readJson = (path: string) =>
      JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
    function writeJson(path: string, value: unknown) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(value, null, '\t'), { mode: 0o600 });
    }
    /** Every auth file podman or docker reads, with its backups: none may hold a QCI secret or a token. */
    function expectNoSecretAnywhere(...tokens: string[]) {
      const withBackups = (Object.values(pe.authFiles) as string[]).flatMap(
        (file) => [
          file,
          ...(existsSync(dirname(file)) ? readdirSync(dirname(file)) : [])
            .filter((n) => n.startsWith(`${basename(file)}.qci-backup-`))
            .map((n) => join(dirname(file), n)),
        ],
      );
      for (const file of withBackups) {
        if (!existsSync(file)) continue;
        const text = readFileSync(file, 'utf8');
        for (const token of tokens) {
          expect(text, file).not.toContain(token);
          expect(text, file).not.toContain(b64(`${bed.user}:${token}`));
        }
        expect(
          Object.keys(JSON.parse(text).auths ?? {}).filter((k) =>
            k.includes(bed.proxy.host),
          ),
          file,
        ).toEqual([]);
      }
    }

    it('login --helper: no secret in any file, plain podman pull and skopeo inspect work, and keep working after the token is rotated', async () => {
      const first = bed.appci.createToken(bed.user);
      const { kubeconfig, env } = await fresh(first);
      // What a machine looks like after the docs' podman login: a QCI secret in two files, among other things.
      const stale = bed.appci.createToken(bed.user);
      writeJson(pe.authFiles.xdgConfig, {
        auths: { [bed.proxy.host]: { auth: b64(`${bed.user}:${stale}`) } },
      });
      writeJson(pe.authFiles.docker, {
        auths: {
          [`https://${bed.proxy.host}/v1/`]: {
            auth: b64(`${bed.user}:${stale}`),
          },
          'other.example.com': { auth: b64('someone:keep-me') },
        },
        credsStore: 'desktop',
        psFormat: 'table {{.ID}}',
      });

      const login = await qci(['login', '--helper'], env);
      expect(login.exitCode, login.stderr).toBe(0);
      expect(login.stdout).toBe('');
      expect(login.stderr).toContain(
        `podman and docker now ask docker-credential-qci for ${bed.proxy.host}: every pull gets the current token of ${bed.user}`,
      );
      expect(login.stderr).toContain(
        'token from kube context "app.ci" (named app.ci); it expires in',
      );
      expect(login.stderr).toContain(
        `  ${pe.authFiles.xdgRuntime} (podman): registered\n`,
      );
      expect(login.stderr).toContain(
        `  ~/.docker/config.json (docker): registered; removed the stored QCI credential https://${bed.proxy.host}/v1/\n`,
      );
      expect(login.stderr).toContain(
        `  ~/.config/containers/auth.json: removed the stored QCI credential ${bed.proxy.host}\n`,
      );
      // No backup: without the removed QCI secret it would hold nothing the new file does not.
      const backups = readdirSync(dirname(pe.authFiles.docker)).filter((n) =>
        n.startsWith('config.json.qci-backup-'),
      );
      expect(backups).toEqual([]);
      expect(login.stderr + login.stdout).not.toContain(first);

      expect(readJson(pe.authFiles.xdgRuntime)).toEqual({
        credHelpers: { [bed.proxy.host]: 'qci' },
      });
      expect(readJson(pe.authFiles.docker)).toEqual({
        auths: { 'other.example.com': { auth: b64('someone:keep-me') } },
        credsStore: 'desktop',
        psFormat: 'table {{.ID}}',
        credHelpers: { [bed.proxy.host]: 'qci' },
      });
      expectNoSecretAnywhere(first, stale);

      const pull = await pe.podman(['pull', bed.ref()], {
        env: { PATH: withBin(), KUBECONFIG: kubeconfig },
      });
      expect(pull.exitCode, pull.stderr).toBe(0);
      const inspect = await pe.skopeo(['inspect', `docker://${bed.ref()}`], {
        env: { PATH: withBin(), KUBECONFIG: kubeconfig },
      });
      expect(inspect.exitCode, inspect.stderr).toBe(0);
      expect(JSON.parse(inspect.stdout).Digest).toBe(bed.image.digest);

      // Rotation: a new token is written into the kubeconfig and the old one is revoked.
      const second = bed.appci.createToken(bed.user);
      await bed.appci.kubeconfig({ token: second, path: kubeconfig });
      bed.appci.revokeToken(first);
      await pe.podmanOk(['rmi', bed.ref()]);
      bed.proxy.clearRequests();
      const pullAfter = await pe.podman(['pull', bed.ref()], {
        env: { PATH: withBin(), KUBECONFIG: kubeconfig },
      });
      expect(pullAfter.exitCode, pullAfter.stderr).toBe(0);
      const inspectAfter = await pe.skopeo(
        ['inspect', `docker://${bed.ref()}`],
        { env: { PATH: withBin(), KUBECONFIG: kubeconfig } },
      );
      expect(inspectAfter.exitCode, inspectAfter.stderr).toBe(0);
      // The proxy was really asked, with the new token (the old one is dead: it could not have worked).
      expect(
        bed.proxy.requests.filter(
          (r) => r.path === '/v2/auth' && r.status === 200,
        ).length,
      ).toBeGreaterThanOrEqual(2);
      expectNoSecretAnywhere(first, second, stale);
      // qci pull sees the helper as the credential and pulls without logging in.
      await pe.podmanOk(['rmi', bed.ref()]);
      const qciPull = await qci(
        ['pull', '--quiet', 'ocp/4.7:my-component', '--tls-verify=false'],
        env,
      );
      expect(qciPull.exitCode, qciPull.stderr).toBe(0);
      expect(qciPull.stderr).not.toContain('logging in');
      expectNoSecretAnywhere(first, second, stale);
    });

    it('without the helper registration the same rotation breaks a stored login: the test can tell the difference', async () => {
      const first = bed.appci.createToken(bed.user);
      const { kubeconfig, env } = await fresh(first);
      const login = await qci(['login'], env);
      expect(login.exitCode, login.stderr).toBe(0);
      await bed.appci.kubeconfig({
        token: bed.appci.createToken(bed.user),
        path: kubeconfig,
      });
      bed.appci.revokeToken(first);
      const pull = await pe.podman(['pull', bed.ref()], {
        env: { PATH: withBin(), KUBECONFIG: kubeconfig },
      });
      expect(pull.exitCode).toBe(125);
      expect(pull.stderr).toContain('unauthorized');
    });

    it("the helper answers only for QCI: another host gets the protocol's not-found, and podman pulls it anonymously", async () => {
      const { env } = await fresh(bed.appci.createToken(bed.user));
      const other = await pe.run(join(BIN, 'docker-credential-qci'), ['get'], {
        env,
        input: bed.registry.host,
      });
      expect(other).toMatchObject({
        exitCode: 1,
        stdout: 'credentials not found in native keychain\n',
        stderr: '',
      });
      // Registered for the backend too (a user's mistake): podman treats "not found" as no credential and pulls
      // the backend (which needs none) anonymously.
      await pe.addInsecureRegistry(bed.registry.host);
      writeJson(pe.authFiles.xdgRuntime, {
        credHelpers: { [bed.registry.host]: 'qci' },
      });
      const pull = await pe.podman(['pull', bed.image.references[0]!], { env });
      expect(pull.exitCode, pull.stderr).toBe(0);
    });

    it("a dead token: the pull fails with the helper's reason; logout --helper removes the registrations and keeps the rest", async () => {
      const token = bed.appci.createToken(bed.user);
      const { kubeconfig, env } = await fresh(token);
      expect((await qci(['login', '--helper'], env)).exitCode).toBe(0);
      // No kube context at all: the helper says why on stderr, which podman passes through.
      const noKube = await pe.podman(['pull', bed.ref()], {
        env: { PATH: withBin(), KUBECONFIG: join(pe.home, 'nope') },
      });
      expect(noKube.exitCode).toBe(125);
      expect(noKube.stderr).toContain(
        'docker-credential-qci: no kubeconfig found',
      );
      expect(noKube.stderr).toContain('error getting credentials');
      bed.appci.revokeToken(token);
      const dead = await pe.podman(['pull', bed.ref()], {
        env: { PATH: withBin(), KUBECONFIG: kubeconfig },
      });
      expect(dead.exitCode).toBe(125);
      expect(dead.stderr).toContain('unauthorized');

      writeJson(pe.authFiles.docker, {
        ...readJson(pe.authFiles.docker),
        HttpHeaders: { 'User-Agent': 'test' },
      });
      const dockerBefore = readFileSync(pe.authFiles.docker, 'utf8');
      const dry = await qci(['logout', '--helper', '--dry-run'], env);
      expect(dry.exitCode, dry.stderr).toBe(0);
      expect(dry.stderr).toContain(
        `would remove credential helper docker-credential-qci for ${bed.proxy.host} from ~/.docker/config.json`,
      );
      expect(readFileSync(pe.authFiles.docker, 'utf8')).toBe(dockerBefore);
      const logout = await qci(['logout', '--helper'], env);
      expect(logout.exitCode, logout.stderr).toBe(0);
      expect(logout.stderr).toContain(
        `removed credential helper docker-credential-qci for ${bed.proxy.host} from ${pe.authFiles.xdgRuntime}`,
      );
      expect(logout.stderr).toContain(
        `removed credential helper docker-credential-qci for ${bed.proxy.host} from ~/.docker/config.json (backup: ~/.docker/config.json.qci-backup-`,
      );
      expect(readJson(pe.authFiles.xdgRuntime)).toEqual({ credHelpers: {} });
      expect(readJson(pe.authFiles.docker)).toEqual({
        credHelpers: {},
        HttpHeaders: { 'User-Agent': 'test' },
      });
      const again = await qci(['logout', '--helper'], env);
      expect(again.stderr).toContain(
        `docker-credential-qci is not registered for ${bed.proxy.host}`,
      );
    });

    it('with the helper registered: podman login with the current token is a no-op, another token is refused, plain qci login explains', async () => {
      const token = bed.appci.createToken(bed.user);
      const { env } = await fresh(token);
      expect((await qci(['login', '--helper'], env)).exitCode).toBe(0);
      const before = readFileSync(pe.authFiles.xdgRuntime, 'utf8');

      // The docs' podman login -u=$(oc whoami) -p=$(oc whoami -t): podman hands the secret to the helper's store.
      const same = await pe.podman(
        ['login', '--password-stdin', '-u', bed.user, bed.proxy.host],
        { env, input: token },
      );
      expect(same.exitCode, same.stderr).toBe(0);
      const other = bed.appci.createToken(bed.user);
      const refused = await pe.podman(
        ['login', '--password-stdin', '-u', bed.user, bed.proxy.host],
        { env, input: other },
      );
      expect(refused.exitCode).toBe(125);
      expect(refused.stderr).toContain('it cannot store another secret');
      expect(refused.stderr).toContain('qci logout --helper');
      expect(refused.stderr).not.toContain(other);

      const login = await qci(['login'], env);
      expect(login.exitCode).toBe(1);
      expect(login.stderr).toContain(
        `docker-credential-qci answers for ${bed.proxy.host} (credHelpers in ${pe.authFiles.xdgRuntime}, from \`qci login --helper\`)`,
      );
      expect(login.stderr).toContain('qci logout --helper, then qci login');
      expect(readFileSync(pe.authFiles.xdgRuntime, 'utf8')).toBe(before);
      expectNoSecretAnywhere(token, other);

      const whoami = await qci(['whoami', '--json'], env);
      // whoami asks the helper, as podman does: it answers with the kube context's token.
      expect(JSON.parse(whoami.stdout).engines[0]).toMatchObject({
        engine: 'podman',
        state: 'current',
        sends: 'credential',
        helper: 'qci',
      });
    });

    it('login --helper refuses, changing nothing, when docker-credential-qci is not on PATH, or with flags the helper cannot see', async () => {
      const { env } = await fresh(bed.appci.createToken(bed.user));
      const files = () =>
        Object.fromEntries(
          (Object.values(pe.authFiles) as string[]).map((p) => [
            p,
            existsSync(p) ? readFileSync(p, 'utf8') : null,
          ]),
        );
      const before = files();
      const noPath = await qci(['login', '--helper'], {
        ...env,
        PATH: pathWithout('docker-credential-qci'),
      });
      expect(noPath.exitCode).toBe(7);
      expect(noPath.stderr).toContain(
        'docker-credential-qci is not on PATH, so podman and docker could not run it; nothing was changed',
      );
      expect(noPath.stderr).toContain('npm install -g .');
      expect(noPath.stderr).toContain(`export PATH="${BIN}:$PATH"`);
      const flag = await qci(['login', '--helper', '--context', 'other'], env);
      expect(flag.exitCode).toBe(2);
      expect(flag.stderr).toContain('export QCI_CONTEXT=other');
      const denied = bed.appci.createToken('mallory');
      bed.appci.denyQciAccess('mallory');
      await bed.appci.kubeconfig({ token: denied, path: env.KUBECONFIG });
      const noAccess = await qci(['login', '--helper'], env);
      expect(noAccess.exitCode).toBe(4);
      expect(files()).toEqual(before);
      expect(readdirSync(pe.xdgRuntimeDir)).not.toContain('containers');
    });
  },
);

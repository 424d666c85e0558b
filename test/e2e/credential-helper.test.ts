/**
 * docker-credential-qci end to end: `qci login --helper` registers it, and real podman 4.3.1 and skopeo
 * 1.9.3 run the real bin (from PATH) on every pull through the quay-proxy stand-in, with the fake app.ci
 * deciding which tokens live. No secret is in any auth file; a token rotated in the kubeconfig is used by
 * the next pull.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';
import { TESTBED_TOOLS, requireTools } from './testbed/index.js';
import { BIN_DIR, b64, useTestBed, writeJson } from './testbed/fixture.js';
import { pathWithout } from './testbed/tools.js';

const tools = requireTools(TESTBED_TOOLS);

describe.skipIf(!tools.ok)(
  'docker-credential-qci and qci login --helper (end to end)',
  () => {
    // No QCI_REGISTRY: the config file fresh() writes names the bed's proxy.
    const tb = useTestBed({ denyMode: 'auth-401', qciEnv: () => ({}) });
    const { qci } = tb;
    /** PATH with this checkout's bin/ first, as `npm install -g .` (or the README's PATH entry) gives. */
    const withBin = () => `${BIN_DIR}${delimiter}${process.env.PATH ?? ''}`;

    /** A fresh podman environment whose kubeconfig lives at one path (so a rotation rewrites it in place). */
    async function fresh(
      token: string,
    ): Promise<{ kubeconfig: string; env: Record<string, string> }> {
      await tb.freshPodman();
      const kubeconfig = await tb.kubeconfigAtHome(token);
      // qci and the helper (run by podman) both read qci's config file.
      tb.writeQciConfig();
      return { kubeconfig, env: { PATH: withBin(), KUBECONFIG: kubeconfig } };
    }
    const readJson = (path: string) =>
      JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
    /** Every auth file podman or docker reads, with its backups: none may hold a QCI secret or a token. */
    function expectNoSecretAnywhere(...tokens: string[]) {
      const withBackups = (Object.values(tb.pe.authFiles) as string[]).flatMap(
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
          expect(text, file).not.toContain(b64(`${tb.bed.user}:${token}`));
        }
        expect(
          Object.keys(JSON.parse(text).auths ?? {}).filter((k) =>
            k.includes(tb.bed.proxy.host),
          ),
          file,
        ).toEqual([]);
      }
    }

    it('login --helper: no secret in any file, plain podman pull and skopeo inspect work, and keep working after the token is rotated', async () => {
      const first = tb.bed.appci.createToken(tb.bed.user);
      const { kubeconfig, env } = await fresh(first);
      // What a machine looks like after the docs' podman login: a QCI secret in two files, among other things.
      const stale = tb.bed.appci.createToken(tb.bed.user);
      writeJson(tb.pe.authFiles.xdgConfig, {
        auths: {
          [tb.bed.proxy.host]: { auth: b64(`${tb.bed.user}:${stale}`) },
        },
      });
      writeJson(tb.pe.authFiles.docker, {
        auths: {
          [`https://${tb.bed.proxy.host}/v1/`]: {
            auth: b64(`${tb.bed.user}:${stale}`),
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
        `podman and docker now ask docker-credential-qci for ${tb.bed.proxy.host}: every pull gets the current token of ${tb.bed.user}`,
      );
      expect(login.stderr).toContain(
        'token from kube context "app.ci" (named app.ci); it expires in',
      );
      expect(login.stderr).toContain(
        `  ${tb.pe.authFiles.xdgRuntime} (podman): registered\n`,
      );
      expect(login.stderr).toContain(
        `  ~/.docker/config.json (docker): registered; removed the stored QCI credential https://${tb.bed.proxy.host}/v1/\n`,
      );
      expect(login.stderr).toContain(
        `  ~/.config/containers/auth.json: removed the stored QCI credential ${tb.bed.proxy.host}\n`,
      );
      // No backup: without the removed QCI secret it would hold nothing the new file does not.
      const backups = readdirSync(dirname(tb.pe.authFiles.docker)).filter((n) =>
        n.startsWith('config.json.qci-backup-'),
      );
      expect(backups).toEqual([]);
      expect(login.stderr + login.stdout).not.toContain(first);

      expect(readJson(tb.pe.authFiles.xdgRuntime)).toEqual({
        credHelpers: { [tb.bed.proxy.host]: 'qci' },
      });
      expect(readJson(tb.pe.authFiles.docker)).toEqual({
        auths: { 'other.example.com': { auth: b64('someone:keep-me') } },
        credsStore: 'desktop',
        psFormat: 'table {{.ID}}',
        credHelpers: { [tb.bed.proxy.host]: 'qci' },
      });
      expectNoSecretAnywhere(first, stale);

      const pull = await tb.pe.podman(['pull', tb.bed.ref()], {
        env: { PATH: withBin(), KUBECONFIG: kubeconfig },
      });
      expect(pull.exitCode, pull.stderr).toBe(0);
      const inspect = await tb.pe.skopeo(
        ['inspect', `docker://${tb.bed.ref()}`],
        {
          env: { PATH: withBin(), KUBECONFIG: kubeconfig },
        },
      );
      expect(inspect.exitCode, inspect.stderr).toBe(0);
      expect(JSON.parse(inspect.stdout).Digest).toBe(tb.bed.image.digest);

      // Rotation: a new token is written into the kubeconfig and the old one is revoked.
      const second = tb.bed.appci.createToken(tb.bed.user);
      await tb.bed.appci.kubeconfig({ token: second, path: kubeconfig });
      tb.bed.appci.revokeToken(first);
      await tb.pe.podmanOk(['rmi', tb.bed.ref()]);
      tb.bed.proxy.clearRequests();
      const pullAfter = await tb.pe.podman(['pull', tb.bed.ref()], {
        env: { PATH: withBin(), KUBECONFIG: kubeconfig },
      });
      expect(pullAfter.exitCode, pullAfter.stderr).toBe(0);
      const inspectAfter = await tb.pe.skopeo(
        ['inspect', `docker://${tb.bed.ref()}`],
        { env: { PATH: withBin(), KUBECONFIG: kubeconfig } },
      );
      expect(inspectAfter.exitCode, inspectAfter.stderr).toBe(0);
      // The proxy was really asked, with the new token (the old one is dead: it could not have worked).
      expect(
        tb.bed.proxy.requests.filter(
          (r) => r.path === '/v2/auth' && r.status === 200,
        ).length,
      ).toBeGreaterThanOrEqual(2);
      expectNoSecretAnywhere(first, second, stale);
      // qci pull sees the helper as the credential and pulls without logging in.
      await tb.pe.podmanOk(['rmi', tb.bed.ref()]);
      const qciPull = await qci(
        ['pull', '--quiet', 'ocp/4.7:my-component', '--tls-verify=false'],
        env,
      );
      expect(qciPull.exitCode, qciPull.stderr).toBe(0);
      expect(qciPull.stderr).not.toContain('logging in');
      expectNoSecretAnywhere(first, second, stale);
    });

    it('without the helper registration the same rotation breaks a stored login: the test can tell the difference', async () => {
      const first = tb.bed.appci.createToken(tb.bed.user);
      const { kubeconfig, env } = await fresh(first);
      const login = await qci(['login'], env);
      expect(login.exitCode, login.stderr).toBe(0);
      await tb.bed.appci.kubeconfig({
        token: tb.bed.appci.createToken(tb.bed.user),
        path: kubeconfig,
      });
      tb.bed.appci.revokeToken(first);
      const pull = await tb.pe.podman(['pull', tb.bed.ref()], {
        env: { PATH: withBin(), KUBECONFIG: kubeconfig },
      });
      expect(pull.exitCode).toBe(125);
      expect(pull.stderr).toContain('unauthorized');
    });

    it("the helper answers only for QCI: another host gets the protocol's not-found, and podman pulls it anonymously", async () => {
      const { env } = await fresh(tb.bed.appci.createToken(tb.bed.user));
      const other = await tb.pe.run(
        join(BIN_DIR, 'docker-credential-qci'),
        ['get'],
        {
          env,
          input: tb.bed.registry.host,
        },
      );
      expect(other).toMatchObject({
        exitCode: 1,
        stdout: 'credentials not found in native keychain\n',
        stderr: '',
      });
      // Registered for the backend too (a user's mistake): podman treats "not found" as no credential and pulls
      // the backend (which needs none) anonymously.
      await tb.pe.addInsecureRegistry(tb.bed.registry.host);
      writeJson(tb.pe.authFiles.xdgRuntime, {
        credHelpers: { [tb.bed.registry.host]: 'qci' },
      });
      const pull = await tb.pe.podman(['pull', tb.bed.image.references[0]!], {
        env,
      });
      expect(pull.exitCode, pull.stderr).toBe(0);
    });

    it("a dead token: the pull fails with the helper's reason; logout --helper removes the registrations and keeps the rest", async () => {
      const token = tb.bed.appci.createToken(tb.bed.user);
      const { kubeconfig, env } = await fresh(token);
      expect((await qci(['login', '--helper'], env)).exitCode).toBe(0);
      // No kube context at all: the helper says why on stderr, which podman passes through.
      const noKube = await tb.pe.podman(['pull', tb.bed.ref()], {
        env: { PATH: withBin(), KUBECONFIG: join(tb.pe.home, 'nope') },
      });
      expect(noKube.exitCode).toBe(125);
      expect(noKube.stderr).toContain(
        'docker-credential-qci: no kubeconfig found',
      );
      expect(noKube.stderr).toContain('error getting credentials');
      tb.bed.appci.revokeToken(token);
      const dead = await tb.pe.podman(['pull', tb.bed.ref()], {
        env: { PATH: withBin(), KUBECONFIG: kubeconfig },
      });
      expect(dead.exitCode).toBe(125);
      expect(dead.stderr).toContain('unauthorized');

      writeJson(tb.pe.authFiles.docker, {
        ...readJson(tb.pe.authFiles.docker),
        HttpHeaders: { 'User-Agent': 'test' },
      });
      const dockerBefore = readFileSync(tb.pe.authFiles.docker, 'utf8');
      const dry = await qci(['logout', '--helper', '--dry-run'], env);
      expect(dry.exitCode, dry.stderr).toBe(0);
      expect(dry.stderr).toContain(
        `would remove credential helper docker-credential-qci for ${tb.bed.proxy.host} from ~/.docker/config.json`,
      );
      expect(readFileSync(tb.pe.authFiles.docker, 'utf8')).toBe(dockerBefore);
      const logout = await qci(['logout', '--helper'], env);
      expect(logout.exitCode, logout.stderr).toBe(0);
      expect(logout.stderr).toContain(
        `removed credential helper docker-credential-qci for ${tb.bed.proxy.host} from ${tb.pe.authFiles.xdgRuntime}`,
      );
      expect(logout.stderr).toContain(
        `removed credential helper docker-credential-qci for ${tb.bed.proxy.host} from ~/.docker/config.json (backup: ~/.docker/config.json.qci-backup-`,
      );
      expect(readJson(tb.pe.authFiles.xdgRuntime)).toEqual({ credHelpers: {} });
      expect(readJson(tb.pe.authFiles.docker)).toEqual({
        credHelpers: {},
        HttpHeaders: { 'User-Agent': 'test' },
      });
      const again = await qci(['logout', '--helper'], env);
      expect(again.stderr).toContain(
        `docker-credential-qci is not registered for ${tb.bed.proxy.host}`,
      );
    });

    it('with the helper registered: podman login with the current token is a no-op, another token is refused, plain qci login explains', async () => {
      const token = tb.bed.appci.createToken(tb.bed.user);
      const { env } = await fresh(token);
      expect((await qci(['login', '--helper'], env)).exitCode).toBe(0);
      const before = readFileSync(tb.pe.authFiles.xdgRuntime, 'utf8');

      // The docs' podman login -u=$(oc whoami) -p=$(oc whoami -t): podman hands the secret to the helper's store.
      const same = await tb.pe.podman(
        ['login', '--password-stdin', '-u', tb.bed.user, tb.bed.proxy.host],
        { env, input: token },
      );
      expect(same.exitCode, same.stderr).toBe(0);
      const other = tb.bed.appci.createToken(tb.bed.user);
      const refused = await tb.pe.podman(
        ['login', '--password-stdin', '-u', tb.bed.user, tb.bed.proxy.host],
        { env, input: other },
      );
      expect(refused.exitCode).toBe(125);
      expect(refused.stderr).toContain('it cannot store another secret');
      expect(refused.stderr).toContain('qci logout --helper');
      expect(refused.stderr).not.toContain(other);

      const login = await qci(['login'], env);
      expect(login.exitCode).toBe(1);
      expect(login.stderr).toContain(
        `docker-credential-qci answers for ${tb.bed.proxy.host} (credHelpers in ${tb.pe.authFiles.xdgRuntime}, from \`qci login --helper\`)`,
      );
      expect(login.stderr).toContain('qci logout --helper, then qci login');
      expect(readFileSync(tb.pe.authFiles.xdgRuntime, 'utf8')).toBe(before);
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
      const { env } = await fresh(tb.bed.appci.createToken(tb.bed.user));
      const files = () =>
        Object.fromEntries(
          (Object.values(tb.pe.authFiles) as string[]).map((p) => [
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
      expect(noPath.stderr).toContain(`export PATH="${BIN_DIR}:$PATH"`);
      const flag = await qci(['login', '--helper', '--context', 'other'], env);
      expect(flag.exitCode).toBe(2);
      expect(flag.stderr).toContain('export QCI_CONTEXT=other');
      const denied = tb.bed.appci.createToken('mallory');
      tb.bed.appci.denyQciAccess('mallory');
      await tb.bed.appci.kubeconfig({ token: denied, path: env.KUBECONFIG });
      const noAccess = await qci(['login', '--helper'], env);
      expect(noAccess.exitCode).toBe(4);
      expect(files()).toEqual(before);
      expect(readdirSync(tb.pe.xdgRuntimeDir)).not.toContain('containers');
    });
  },
);

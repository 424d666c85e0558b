/**
 * qci sa token and qci login --token-file end to end: the real bin/qci asks the fake app.ci for bound tokens
 * through the TokenRequest API (client-node, HTTPS), including a denied request and a token that arrives
 * already expired; then real podman logs in with such a token and pulls through the quay-proxy stand-in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { watchCommandLines } from './argv-watch.js';
import {
  TESTBED_TOOLS,
  decodeJwtPayload,
  requireTools,
  type TestBed,
} from './testbed/index.js';
import { useTestBed } from './testbed/fixture.js';

const tools = requireTools(TESTBED_TOOLS);
const PROJECT = 'my-project';

describe.skipIf(!tools.ok)(
  'qci sa token / qci login --token-file (end to end)',
  () => {
    let alice: string; // a member of my-project-admins
    let bob: string; // not a member
    const tb = useTestBed({
      denyMode: 'auth-401',
      setup: (bed) => {
        bed.appci.addServiceAccount(PROJECT, 'image-puller');
        bed.appci.addUser('alice', ['my-project-admins']);
        bed.appci.addUser('bob', ['other-team']);
        // The seed's RoleBinding my-project-admins-binding → pull-secret-namespace-manager, as the fake models it.
        bed.appci.restrictTokenRequests(PROJECT, ['my-project-admins']);
        alice = bed.appci.createToken('alice');
        bob = bed.appci.createToken('bob');
      },
    });
    afterEach(() => tb.bed.appci.setTokenRequestLifetime(undefined));
    const fresh = () => tb.freshPodman();
    const { qci } = tb;
    const as = async (token: string) => ({
      KUBECONFIG: await tb.bed.appci.kubeconfig({ token }),
    });
    const tokenRequests = () =>
      tb.bed.appci.requests.filter(
        (r) =>
          r.path ===
          `/api/v1/namespaces/${PROJECT}/serviceaccounts/image-puller/token`,
      );

    it('--output: a 24-hour bound token in a 0600 file, the granted expiry on stderr, nothing on stdout', async () => {
      await fresh();
      const file = join(tb.pe.home, 'my-project.token');
      const r = await qci(
        ['sa', 'token', '--project', PROJECT, '--output', file],
        await as(alice),
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
      const token = readFileSync(file, 'utf8');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const claims = decodeJwtPayload(token);
      expect(claims.sub).toBe('system:serviceaccount:my-project:image-puller');
      expect(Number(claims.exp) - Number(claims.iat)).toBe(86_400);
      expect(tb.bed.appci.tokenReview(token)).toMatchObject({
        valid: true,
        username: 'system:serviceaccount:my-project:image-puller',
      });
      expect(r.stderr).toContain(
        '✓ token for serviceaccount my-project/image-puller (system:serviceaccount:my-project:image-puller)',
      );
      expect(r.stderr).toMatch(
        /expires in 2[34] hours \(\d{4}-\d\d-\d\dT[\d:.]+Z\); issued by app\.ci context "app\.ci" \(named app\.ci\)/,
      );
      expect(r.stderr).toContain(`saved to ${file} (mode 0600)`);
      expect(r.stderr).toContain(`use it: qci login --token-file ${file}`);
      expect(r.stderr).not.toContain(token);
    });

    it('piped: the token alone on stdout; --json carries it with the granted lifetime', async () => {
      await fresh();
      const piped = await qci(
        ['sa', 'token', '--project', PROJECT, '--duration', '1h'],
        await as(alice),
      );
      expect(piped.exitCode, piped.stderr).toBe(0);
      const token = piped.stdout.trimEnd();
      expect(piped.stdout).toBe(`${token}\n`);
      expect(token.split('.')).toHaveLength(3);
      expect(
        Number(decodeJwtPayload(token).exp) -
          Number(decodeJwtPayload(token).iat),
      ).toBe(3_600);
      expect(piped.stderr).toMatch(/expires in (59|60) minutes/);
      expect(piped.stderr).not.toContain(token);

      const json = await qci(
        ['sa', 'token', '--project', PROJECT, '--duration', '10m', '--json'],
        await as(alice),
      );
      expect(json.exitCode, json.stderr).toBe(0);
      const report = JSON.parse(json.stdout);
      expect(report).toMatchObject({
        project: PROJECT,
        serviceAccount: 'image-puller',
        subject: 'system:serviceaccount:my-project:image-puller',
        requestedSeconds: 600,
        grantedSeconds: 600,
        output: null,
        warnings: [],
      });
      expect(decodeJwtPayload(report.token).sub).toBe(
        'system:serviceaccount:my-project:image-puller',
      );
      expect(Date.parse(report.expiresAt) - Date.now()).toBeGreaterThan(
        500_000,
      );
    });

    it('too short a --duration is refused before app.ci is asked', async () => {
      await fresh();
      tb.bed.appci.clearRequests();
      const r = await qci(
        ['sa', 'token', '--project', PROJECT, '--duration', '5m'],
        await as(alice),
      );
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('shorter than 10 minutes');
      expect(tb.bed.appci.requests).toEqual([]);
    });

    it('denied: someone outside the admins group gets 403, explained with pull-secret-namespace-manager; no token anywhere', async () => {
      await fresh();
      const file = join(tb.pe.home, 'denied.token');
      tb.bed.appci.clearRequests();
      const r = await qci(
        ['sa', 'token', '--project', PROJECT, '--output', file],
        await as(bob),
      );
      expect(r.exitCode).toBe(4);
      expect(tokenRequests().map((q) => q.status)).toEqual([403]);
      expect(r.stderr).toContain(
        'app.ci denied bob a token for serviceaccount my-project/image-puller (403 Forbidden)',
      );
      expect(r.stderr).toContain(
        "only members of my-project's admins group may create them",
      );
      expect(r.stderr).toContain(
        'RoleBinding my-project-admins-binding to ClusterRole pull-secret-namespace-manager',
      );
      expect(r.stderr).toContain(
        'clusters/app.ci/registry-access/my-project/admin_manifest.yaml',
      );
      expect(r.stdout).toBe('');
      expect(existsSync(file)).toBe(false);
    });

    it('a token that arrives already expired is refused: neither printed nor saved', async () => {
      await fresh();
      const file = join(tb.pe.home, 'expired.token');
      tb.bed.appci.setTokenRequestLifetime(-120);
      const r = await qci(
        ['sa', 'token', '--project', PROJECT, '--output', file, '--show'],
        await as(alice),
      );
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(
        'app.ci returned a token for serviceaccount my-project/image-puller that had already expired',
      );
      expect(r.stderr).toContain('qci neither printed nor saved it');
      expect(r.stderr).toContain('check the clock');
      expect(r.stdout).toBe('');
      expect(existsSync(file)).toBe(false);
      expect(
        readdirSync(tb.pe.home).filter((n) => n.includes('expired.token')),
      ).toEqual([]); // no temp file left either
    });

    it('a server that grants less than asked: the token comes with a warning saying what was granted', async () => {
      await fresh();
      tb.bed.appci.setTokenRequestLifetime(3_600);
      const r = await qci(
        ['sa', 'token', '--project', PROJECT, '--duration', '24h'],
        await as(alice),
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain(
        'warning: app.ci granted 1h, not the 24h asked for',
      );
      expect(r.stderr).toMatch(/expires in (59|60) minutes/);
    });

    it.each([
      [
        'no such service account',
        ['--name', 'nobody'],
        async (b: TestBed) => b.appci.createToken('alice'),
        5,
        /app\.ci has no serviceaccount my-project\/nobody/,
      ],
      [
        'an expired app.ci login',
        [] as string[],
        async (b: TestBed) => {
          const t = b.appci.createToken('alice');
          b.appci.expireToken(t);
          return t;
        },
        3,
        /rejected the token while trying to create a token for serviceaccount my-project\/image-puller: it has expired or was revoked/,
      ],
    ])(
      '%s: a clear error and exit code',
      async (_name, flags, token, code, message) => {
        await fresh();
        const r = await qci(
          ['sa', 'token', '--project', PROJECT, ...flags],
          await as(await token(tb.bed)),
        );
        expect(r.exitCode).toBe(code);
        expect(r.stderr).toMatch(message);
        expect(r.stdout).toBe('');
      },
    );

    it('qci login --token-file with a fresh token, then a plain podman pull; the token never in argv or output', async () => {
      await fresh();
      const file = join(tb.pe.home, 'ci.token');
      const made = await qci(
        [
          'sa',
          'token',
          '--project',
          PROJECT,
          '--duration',
          '1h',
          '--output',
          file,
        ],
        await as(alice),
      );
      expect(made.exitCode, made.stderr).toBe(0);
      const token = readFileSync(file, 'utf8');

      const watch = watchCommandLines();
      // No kubeconfig at all: the token file is all it needs.
      const login = await qci(['login', '--token-file', file], {
        KUBECONFIG: join(tb.pe.home, 'no-kubeconfig'),
      });
      const seen = await watch.stop();
      expect(login.exitCode, login.stderr).toBe(0);
      expect(
        [...seen].some((c) =>
          c.includes(
            'podman login --password-stdin --username my-project/image-puller',
          ),
        ),
      ).toBe(true);
      for (const cmdline of seen) expect(cmdline).not.toContain(token);
      expect(login.stdout + login.stderr).not.toContain(token);
      expect(login.stderr).toContain(
        `Logged in to ${tb.bed.proxy.host} as system:serviceaccount:my-project:image-puller (podman)`,
      );
      expect(login.stderr).toMatch(
        /token from ~\/ci\.token; expires in (59|60) minutes/,
      );

      const pull = await tb.pe.podman(['pull', tb.bed.ref()]);
      expect(pull.exitCode, pull.stderr).toBe(0);
    });

    it('qci login with a service-account token in the kube context (the seed\'s "oc login with the token") also works', async () => {
      await fresh();
      // podman login -u=$(oc whoami) would send "system:serviceaccount:…:…" as the user, and Basic auth splits at the
      // first ":": the registry would see the wrong password. qci sends "my-project/image-puller".
      const token = tb.bed.appci.createServiceAccountToken(
        PROJECT,
        'image-puller',
        3_600,
      );
      const login = await qci(['login'], await as(token));
      expect(login.exitCode, login.stderr).toBe(0);
      expect(login.stderr).toContain(
        'as system:serviceaccount:my-project:image-puller (podman)',
      );
      const stored = JSON.parse(
        readFileSync(tb.pe.authFiles.xdgRuntime, 'utf8'),
      ).auths[tb.bed.proxy.host].auth as string;
      expect(Buffer.from(stored, 'base64').toString()).toBe(
        `my-project/image-puller:${token}`,
      );
      const pull = await tb.pe.podman(['pull', tb.bed.ref()]);
      expect(pull.exitCode, pull.stderr).toBe(0);
    });

    it('qci login --token-file refuses an expired token before podman runs, and says how to renew it', async () => {
      await fresh();
      const file = join(tb.pe.home, 'old.token');
      writeFileSync(
        file,
        tb.bed.appci.createServiceAccountToken(PROJECT, 'image-puller', -3_600),
        { mode: 0o600 },
      );
      const login = await qci(['login', '--token-file', file]);
      expect(login.exitCode).toBe(3);
      expect(login.stderr).toContain(
        `the token in ${file} (system:serviceaccount:my-project:image-puller) expired 60 minutes ago`,
      );
      expect(login.stderr).toContain(
        `hint: get a new one: qci sa token --project my-project --output ${file}`,
      );
      expect(existsSync(tb.pe.authFiles.xdgRuntime)).toBe(false);
    });

    it('qci login --token-file with a revoked token: the registry rejects it, exit 3, the hint names qci sa token', async () => {
      await fresh();
      const token = tb.bed.appci.createServiceAccountToken(
        PROJECT,
        'image-puller',
        3_600,
      );
      tb.bed.appci.revokeToken(token);
      const file = join(tb.pe.home, 'revoked.token');
      writeFileSync(file, token, { mode: 0o600 });
      const login = await qci(['login', '--token-file', file]);
      expect(login.exitCode).toBe(3);
      expect(login.stderr).toContain(
        `the registry rejected the token in ${file}`,
      );
      expect(login.stderr).toContain('qci sa token');
      expect(login.stderr).not.toContain(token);
    });
  },
);

/**
 * Smoke tests of the end-to-end test bed: real podman and skopeo against the quay-proxy stand-in, and the
 * fake app.ci API through node https and @kubernetes/client-node. They prove the bed fails the way the
 * real services do, so later tests can rely on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import {
  TESTBED_TOOLS,
  createPodmanEnv,
  decodeJwtPayload,
  oauthTokenName,
  requireTools,
  startTestBed,
  type PodmanEnv,
  type RunResult,
  type TestBed,
} from './testbed/index.js';

const tools = requireTools(TESTBED_TOOLS);

describe('requireTools', () => {
  it('skips with a reason off CI, fails on CI', () => {
    const env = { PATH: '/nonexistent' };
    // quiet: this checks the mechanism; nothing is skipped here, so nothing should say so in the log.
    const check = requireTools(['podman', 'no-such-tool'], env, {
      quiet: true,
    });
    expect(check.ok).toBe(false);
    expect(check.missing).toEqual(['podman', 'no-such-tool']);
    expect(check.reason).toContain('no-such-tool not found on PATH');
    expect(() =>
      requireTools(['no-such-tool'], { ...env, CI: 'true' }),
    ).toThrow(/no-such-tool not found/);
    expect(requireTools(['sh'], { PATH: '/bin:/usr/bin', CI: 'true' }).ok).toBe(
      true,
    );
  });
});

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const REVIEWS = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const USERS_ME = '/apis/user.openshift.io/v1/users/~';

/** The SelfSubjectReview `oc whoami` posts first (`body`: what it sends, by default the whole review). */
function selfSubjectReview(
  bed: TestBed,
  token: string,
  body: unknown = {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
  },
): Promise<HttpAnswer> {
  return api(bed, 'POST', REVIEWS, token, body);
}

/** A request to the fake app.ci, trusting only the test CA. */
function api(
  bed: TestBed,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(
      `${bed.appci.url}${path}`,
      {
        method,
        ca: bed.appci.caPem,
        headers: {
          Accept: 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(payload ? { 'Content-Type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (s: string) => (text += s));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function plainGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s: string) => (text += s));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** podman's combined output, for matching on code words (podman 4.3.1's messages, seen here). */
const output = (r: RunResult): string => `${r.stdout}\n${r.stderr}`;

/** The machine's own credential files and image store: the bed must never touch them. */
const machinePaths = [
  '/root/.docker/config.json',
  '/root/.config/containers/auth.json',
  '/run/containers/0/auth.json',
  '/root/.dockercfg',
  '/var/lib/containers/storage',
  '/run/libpod',
];
const snapshot = (): string[] =>
  machinePaths.map((p) =>
    existsSync(p) ? `${p} ${statSync(p).mtimeMs}` : `${p} absent`,
  );

describe.skipIf(!tools.ok)('end-to-end test bed', () => {
  let bed: TestBed;
  let before: string[];
  /** What podman printed in each failure case, kept for the report at the end. */
  const seen: Record<string, string> = {};

  beforeAll(async () => {
    before = snapshot();
    bed = await startTestBed();
    console.log(`startTestBed took ${bed.startupMs} ms`, bed.timings);
  });

  afterAll(async () => {
    const dir = bed?.dir;
    await bed?.stop();
    if (dir) expect(existsSync(dir), 'temp dir removed').toBe(false);
    expect(snapshot()).toEqual(before);
    for (const [name, text] of Object.entries(seen))
      console.log(`--- ${name}\n${text.trim()}`);
  });

  /** A fresh podman environment (own store, no credentials) that trusts the bed's proxy. */
  async function freshPodman(): Promise<PodmanEnv> {
    return createPodmanEnv({
      dir: bed.dir,
      insecureRegistries: [bed.proxy.host],
    });
  }

  async function login(
    podman: PodmanEnv,
    token: string,
    user = 'someone',
  ): Promise<RunResult> {
    // The token goes on stdin, never in argv.
    return podman.podman(
      ['login', '--password-stdin', '-u', user, bed.proxy.host],
      { input: token },
    );
  }

  it('the proxy challenges anonymous requests like quay-proxy', async () => {
    const answer = await plainGet(`${bed.proxy.url}/v2/`);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(
      `Bearer realm="http://${bed.proxy.host}/v2/auth",service="${bed.proxy.host}"`,
    );
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(answer.text).toBe('Unauthorized\n');
  });

  it('a pull without any credential is refused at the token endpoint', async () => {
    const podman = await freshPodman();
    try {
      const pulled = await podman.podman(['pull', bed.ref()]);
      seen['pull with no credential at all'] = pulled.stderr;
      expect(pulled.exitCode).toBe(125);
      expect(pulled.stderr).toMatch(/invalid username\/password: unauthorized/);
    } finally {
      await podman.stop();
    }
  });

  it('podman 4.3.1 fails at once when DOCKER_CONFIG names a directory without config.json', async () => {
    // Why the test bed leaves DOCKER_CONFIG unset by default; a qci test that sets it must create the file.
    const podman = await createPodmanEnv({
      dir: bed.dir,
      insecureRegistries: [bed.proxy.host],
      dockerConfig: true,
    });
    try {
      const pulled = await podman.podman(['pull', bed.ref()]);
      seen['pull with DOCKER_CONFIG set and no config.json'] = pulled.stderr;
      expect(pulled.exitCode).toBe(125);
      expect(pulled.stderr).toContain(
        `stat ${podman.authFiles.docker}: no such file or directory`,
      );
      expect((await login(podman, bed.token)).exitCode).toBe(0); // login creates it
      expect(existsSync(podman.authFiles.docker)).toBe(true);
      expect(existsSync(podman.authFiles.xdgRuntime)).toBe(false);
      expect((await podman.podman(['pull', '-q', bed.ref()])).exitCode).toBe(0);
    } finally {
      await podman.stop();
    }
  });

  it('podman login (token on stdin) then pull through the proxy succeeds', async () => {
    const podman = bed.podman;
    const loggedIn = await login(podman, bed.token);
    expect(loggedIn.exitCode, output(loggedIn)).toBe(0);
    expect(loggedIn.stdout).toContain('Login Succeeded');
    // Written to the primary file of this isolated environment only.
    const auth = JSON.parse(
      readFileSync(podman.authFiles.xdgRuntime, 'utf8'),
    ) as { auths: Record<string, { auth: string }> };
    expect(
      Buffer.from(auth.auths[bed.proxy.host]!.auth, 'base64').toString(),
    ).toBe(`someone:${bed.token}`);
    expect(existsSync(podman.authFiles.docker)).toBe(false);

    bed.proxy.clearRequests();
    const pulled = await podman.podman(['pull', bed.ref()]);
    expect(pulled.exitCode, output(pulled)).toBe(0);
    const paths = bed.proxy.requests.map(
      (r) => `${r.method} ${r.path} ${r.status} ${r.auth}`,
    );
    expect(paths).toContain('GET /v2/auth 200 basic');
    expect(paths).toContain(
      `GET /v2/openshift/ci/manifests/ocp_4.7_my-component 200 bearer`,
    );

    const inspected = await podman.podman([
      'image',
      'inspect',
      '--format',
      '{{json .Labels}}',
      bed.ref(),
    ]);
    expect(JSON.parse(inspected.stdout)).toMatchObject(bed.image.labels);
  });

  it('skopeo inspect works through the proxy with the stored credential', async () => {
    const podman = await freshPodman();
    try {
      expect((await login(podman, bed.token)).exitCode).toBe(0);
      const inspected = await podman.skopeo([
        'inspect',
        `docker://${bed.ref()}`,
      ]);
      expect(inspected.exitCode, output(inspected)).toBe(0);
      const info = JSON.parse(inspected.stdout) as {
        Digest: string;
        Labels: Record<string, string>;
      };
      expect(info.Digest).toBe(bed.image.digest);
      expect(info.Labels['io.openshift.build.commit.id']).toBe(
        '0123456789abcdef0123456789abcdef01234567',
      );
      expect(info.Labels['io.openshift.build.source-location']).toBe(
        'https://github.com/openshift/my-component',
      );

      const raw = await podman.skopeo([
        'inspect',
        '--raw',
        `docker://${bed.ref()}`,
      ]);
      expect(raw.exitCode, output(raw)).toBe(0);
      expect(JSON.parse(raw.stdout)).toHaveProperty('config');
    } finally {
      await podman.stop();
    }
  });

  it('after the app.ci token expires the same pull fails as unauthorized', async () => {
    const podman = await freshPodman();
    try {
      const token = bed.appci.createToken('expiring-user');
      expect((await login(podman, token)).exitCode).toBe(0);
      expect((await podman.podman(['pull', '-q', bed.ref()])).exitCode).toBe(0);

      bed.appci.expireToken(token);
      const pulled = await podman.podman(['pull', bed.ref()]);
      seen['pull after the token expired'] = pulled.stderr;
      expect(pulled.exitCode).toBe(125);
      expect(output(pulled)).toMatch(
        /unauthorized|invalid username\/password/i,
      );
      expect(output(pulled)).not.toContain(token);

      const probe = await podman.podman(['login', bed.proxy.host]);
      seen['podman login HOST </dev/null after the token expired'] =
        output(probe);
      expect(probe.exitCode).toBe(125);
      expect(output(probe)).toContain('Existing credentials are invalid');
    } finally {
      await podman.stop();
    }
  });

  it('a revoked token fails the same way', async () => {
    const podman = await freshPodman();
    try {
      const token = bed.appci.createToken('revoked-user');
      expect((await login(podman, token)).exitCode).toBe(0);
      bed.appci.revokeToken(token);
      const pulled = await podman.podman(['pull', bed.ref()]);
      seen['pull after the token was revoked'] = pulled.stderr;
      expect(pulled.exitCode).toBe(125);
      expect(output(pulled)).toMatch(/invalid username\/password/i);
    } finally {
      await podman.stop();
    }
  });

  it('a user without QCI access fails, in each deny mode', async () => {
    const podman = await freshPodman();
    try {
      const token = bed.appci.createToken('no-access-user');
      expect((await login(podman, token)).exitCode).toBe(0);
      bed.appci.denyQciAccess('no-access-user');

      // Default: /v2/auth answers 403.
      const forbidden = await podman.podman(['pull', bed.ref()]);
      seen['denied, /v2/auth 403 (default)'] = forbidden.stderr;
      expect(forbidden.exitCode).toBe(125);
      expect(output(forbidden)).toMatch(/403 \(Forbidden\)/);

      // What ci-tools' qci-appci does: the failed SAR is a 401, indistinguishable from a bad token.
      bed.proxy.setDenyMode('auth-401');
      const unauthorized = await podman.podman(['pull', bed.ref()]);
      seen['denied, /v2/auth 401 (ci-tools behaviour)'] = unauthorized.stderr;
      expect(unauthorized.exitCode).toBe(125);
      expect(output(unauthorized)).toMatch(/invalid username\/password/i);

      // A registry that issues a token, then refuses the repository.
      bed.proxy.setDenyMode('registry-403');
      const denied = await podman.podman(['pull', bed.ref()]);
      seen['denied, manifest 403 DENIED'] = denied.stderr;
      expect(denied.exitCode).toBe(125);
      expect(output(denied)).toMatch(/denied/i);

      // Login is refused too (it fetches a token), except in registry-403 mode where /v2/ still answers.
      bed.proxy.setDenyMode('auth-403');
      const again = await freshPodman();
      try {
        const refused = await login(again, token);
        seen['podman login as a denied user (/v2/auth 403)'] = output(refused);
        expect(refused.exitCode).toBe(125);
      } finally {
        await again.stop();
      }

      bed.appci.allowQciAccess('no-access-user');
      expect((await podman.podman(['pull', '-q', bed.ref()])).exitCode).toBe(0);
    } finally {
      bed.proxy.setDenyMode('auth-403');
      await podman.stop();
    }
  });

  it('service-account tokens skip the access review', async () => {
    const podman = await freshPodman();
    try {
      const token = bed.appci.createServiceAccountToken(
        'my-project',
        'image-puller',
        3600,
      );
      bed.appci.denyQciAccess('system:serviceaccount:my-project:image-puller');
      expect((await login(podman, token, 'image-puller')).exitCode).toBe(0);
      const pulled = await podman.podman(['pull', '-q', bed.ref()]);
      expect(pulled.exitCode, output(pulled)).toBe(0);
    } finally {
      await podman.stop();
    }
  });

  it('more images can be pushed mid-test, under several tags', async () => {
    const pushed = await bed.pushImage({
      tags: ['ocp_4.8_other', 'ocp_release_payload_images'],
      content: 'other\n',
    });
    expect(pushed.digest).not.toBe(bed.image.digest);
    expect((await login(bed.podman, bed.token)).exitCode).toBe(0);
    for (const tag of pushed.tags) {
      const digest = await bed.podman.skopeo([
        'inspect',
        '--format',
        '{{.Digest}}',
        `docker://${bed.ref(tag)}`,
      ]);
      expect(digest.stdout.trim(), output(digest)).toBe(pushed.digest);
    }
  });

  it('a missing tag gives "manifest unknown"', async () => {
    expect((await login(bed.podman, bed.token)).exitCode).toBe(0);
    const pulled = await bed.podman.podman([
      'pull',
      bed.ref('ocp_4.7_no-such-component'),
    ]);
    seen['missing tag'] = pulled.stderr;
    expect(pulled.exitCode).toBe(125);
    expect(pulled.stderr).toContain('manifest unknown');
  });

  it('pushes through the proxy are refused (pull only)', async () => {
    const pushed = await bed.podman.podman([
      'push',
      bed.ref(),
      `${bed.proxy.host}/openshift/ci:pushed-by-test`,
    ]);
    seen['push through the proxy'] = pushed.stderr;
    expect(pushed.exitCode).toBe(125);
    expect(output(pushed)).toMatch(/denied/i);
  });

  describe('fake app.ci API', () => {
    it('answers 401 with a Status body for an expired token', async () => {
      const token = bed.appci.createToken('api-user', {
        expiresIn: 600,
        createdAt: new Date(Date.now() - 3_600_000),
      });
      bed.appci.clearRequests();
      const answer = await selfSubjectReview(bed, token);
      expect(answer.status).toBe(401);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(JSON.parse(answer.text)).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
      expect(bed.appci.requests).toEqual([
        {
          method: 'POST',
          path: REVIEWS,
          status: 401,
          authenticated: false,
          receivedAt: expect.any(Number),
          answeredAt: expect.any(Number),
        },
      ]);
      expect(JSON.stringify(bed.appci.requests)).not.toContain(token.slice(7));
      expect((await api(bed, 'GET', USERS_ME)).status).toBe(401);
    });

    it('who-am-I, with the users/~ fallback', async () => {
      const token = bed.appci.createToken('alice');
      const review = await selfSubjectReview(bed, token);
      expect(review.status).toBe(201);
      const body = JSON.parse(review.text) as {
        kind: string;
        status: { userInfo: { username: string; groups: string[] } };
      };
      expect(body.kind).toBe('SelfSubjectReview');
      expect(body.status.userInfo.username).toBe('alice');
      expect(body.status.userInfo.groups).toContain('system:authenticated');

      bed.appci.setSelfSubjectReviews(false);
      try {
        const off = await selfSubjectReview(bed, token, {});
        expect(off.status).toBe(404);
        expect(JSON.parse(off.text)).toMatchObject({
          kind: 'Status',
          reason: 'NotFound',
        });
        const user = await api(bed, 'GET', USERS_ME, token);
        expect(user.status).toBe(200);
        expect(JSON.parse(user.text)).toMatchObject({
          kind: 'User',
          apiVersion: 'user.openshift.io/v1',
          metadata: { name: 'alice' },
        });
      } finally {
        bed.appci.setSelfSubjectReviews(true);
      }
    });

    it('token metadata by hashed name', async () => {
      const created = new Date(Date.now() - 86_400_000);
      const token = bed.appci.createToken('bob', {
        createdAt: created,
        expiresIn: 2_419_200,
        inactivityTimeoutSeconds: 0,
      });
      expect(token).toMatch(/^sha256~[A-Za-z0-9_-]{43}$/);
      const name = oauthTokenName(token);
      const answer = await api(
        bed,
        'GET',
        `/apis/oauth.openshift.io/v1/useroauthaccesstokens/${name}`,
        token,
      );
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({
        kind: 'UserOAuthAccessToken',
        apiVersion: 'oauth.openshift.io/v1',
        metadata: {
          name,
          creationTimestamp: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
        expiresIn: 2_419_200,
        userName: 'bob',
        inactivityTimeoutSeconds: 0,
      });
    });

    it('the QCI access review, echoing the spec', async () => {
      const token = bed.appci.createToken('carol');
      const spec = {
        resourceAttributes: {
          namespace: 'ocp',
          verb: 'get',
          group: 'image.openshift.io',
          resource: 'imagestreams',
          subresource: 'layers',
        },
      };
      const ask = () =>
        api(
          bed,
          'POST',
          '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
          token,
          {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec,
          },
        );
      const allowed = JSON.parse((await ask()).text) as {
        spec: unknown;
        status: { allowed: boolean };
      };
      expect(allowed.spec).toEqual(spec);
      expect(allowed.status.allowed).toBe(true);
      bed.appci.denyQciAccess('carol');
      expect(
        (JSON.parse((await ask()).text) as { status: { allowed: boolean } })
          .status.allowed,
      ).toBe(false);
    });

    it('TokenRequest issues a JWT and enforces the 10-minute minimum', async () => {
      bed.appci.addServiceAccount('my-project', 'image-puller');
      const token = bed.appci.createToken('dave');
      const path =
        '/api/v1/namespaces/my-project/serviceaccounts/image-puller/token';
      const tooShort = await api(bed, 'POST', path, token, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 599 },
      });
      // Kubernetes answers a validation failure with 422 Invalid (errors.NewInvalid), not 400.
      expect(tooShort.status).toBe(422);
      expect(JSON.parse(tooShort.text)).toMatchObject({
        kind: 'Status',
        reason: 'Invalid',
        code: 422,
      });

      const issued = await api(bed, 'POST', path, token, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      });
      expect(issued.status).toBe(201);
      const body = JSON.parse(issued.text) as {
        status: { token: string; expirationTimestamp: string };
      };
      const claims = decodeJwtPayload(body.status.token);
      expect(claims.sub).toBe('system:serviceaccount:my-project:image-puller');
      expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
      expect(new Date(body.status.expirationTimestamp).getTime()).toBe(
        Number(claims.exp) * 1000,
      );
      expect(bed.appci.tokenReview(body.status.token)).toMatchObject({
        valid: true,
        username: 'system:serviceaccount:my-project:image-puller',
      });
    });

    it('a kubeconfig from the bed works with @kubernetes/client-node (CA validated)', async () => {
      const k8s = await import('@kubernetes/client-node');
      const token = bed.appci.createToken('erin');
      const path = await bed.appci.kubeconfig({ token });
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(path);
      expect(kc.getCurrentContext()).toBe('app.ci');
      const authn = kc.makeApiClient(k8s.AuthenticationV1Api);
      const review = await authn.createSelfSubjectReview({
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'SelfSubjectReview',
        },
      });
      expect(review.status?.userInfo?.username).toBe('erin');

      bed.appci.revokeToken(token);
      await expect(
        authn.createSelfSubjectReview({
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'SelfSubjectReview',
          },
        }),
      ).rejects.toMatchObject({ code: 401 });

      // Without the CA the client refuses the server certificate.
      const noCa = new k8s.KubeConfig();
      noCa.loadFromFile(
        await bed.appci.kubeconfig({
          token: bed.appci.createToken('erin'),
          omitCa: true,
        }),
      );
      await expect(
        noCa.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'SelfSubjectReview',
          },
        }),
      ).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    });
  });
});

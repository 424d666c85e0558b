/**
 * A fake app.ci Kubernetes/OpenShift API server over HTTPS, with real response shapes
 * (kind/apiVersion objects, Status bodies) and in-memory state a test changes mid-flight.
 *
 * Modelled: who-am-I (selfsubjectreviews, users/~), OAuth token metadata (useroauthaccesstokens), the QCI
 * access check (selfsubjectaccessreviews), TokenRequest for service accounts, 401 for dead tokens.
 * Everything else answers 404 NotFound, like a resource the server does not serve.
 */
import {
  createHash,
  createHmac,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeTestCa } from './tls.js';

// ---- public types --------------------------------------------------------------------------------------

export interface TokenReviewResult {
  valid: boolean;
  username?: string;
  groups?: string[];
  /** Why a token is not valid (never part of any HTTP answer: the real server says only "Unauthorized"). */
  reason?: 'unknown' | 'expired' | 'revoked';
}

export interface AppCiRequest {
  method: string;
  /** Path without the query string. Never contains a token (OAuth token *names* are hashes). */
  path: string;
  status: number;
  /** Whether the bearer token was accepted. */
  authenticated: boolean;
  user?: string;
  /** When the request arrived and when its answer went out (Date.now()): which requests overlapped. */
  receivedAt: number;
  answeredAt?: number;
}

export interface OAuthTokenRecord {
  kind: 'oauth';
  token: string;
  /** "sha256~" + base64url(sha256(token without prefix)): the useroauthaccesstokens object name. */
  name: string;
  user: string;
  createdAt: Date;
  /** Seconds after createdAt; 0 = never expires (OpenShift's meaning). */
  expiresIn: number;
  inactivityTimeoutSeconds?: number;
  revoked: boolean;
}

export interface ServiceAccountTokenRecord {
  kind: 'serviceaccount';
  token: string;
  namespace: string;
  serviceAccount: string;
  username: string;
  iat: number;
  exp: number;
  jti: string;
  revoked: boolean;
  /** Set by expireToken(): a JWT's exp cannot change, so the fake remembers it as expired. */
  forcedExpired: boolean;
}

export type TokenRecord = OAuthTokenRecord | ServiceAccountTokenRecord;

export interface KubeconfigOptions {
  /** Bearer token for the user entry (omit to write a user without credentials). */
  token?: string;
  /** Context name; default "app.ci". */
  context?: string;
  /** Cluster entry name; default "127-0-0-1:PORT" (what oc login would write for this server). */
  cluster?: string;
  /** User entry name; default "<token owner or 'user'>/<cluster>". */
  user?: string;
  namespace?: string;
  /** current-context value: default = context; null leaves it out. */
  currentContext?: string | null;
  /** Override the server URL (e.g. a dead port). */
  server?: string;
  /** Leave certificate-authority-data out (the client will then reject the test CA). */
  omitCa?: boolean;
  /** Where to write; default a new file in the fake's dir. */
  path?: string;
}

export interface FakeAppCiOptions {
  /** Directory for the CA, certificates and kubeconfigs (the caller removes it). */
  dir: string;
  /** Clock in ms; default Date.now. Token expiry and timestamps follow it. */
  now?: () => number;
  /** A server far away (default none): see FakeAppCi.setLatency. */
  latency?: Latency;
}

/**
 * A network between client and server, played by the server: each new connection waits `connectionMs`
 * before its TLS handshake starts (TCP plus TLS: about 2 round trips), each request `requestMs` before
 * it is answered (1 round trip). Connections and requests counted, so a test sees reuse.
 */
export interface Latency {
  connectionMs: number;
  requestMs: number;
}

export interface FakeAppCi {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The test CA (PEM) and its file: pass as `ca` to node https, or `--certificate-authority` to oc. */
  caPem: string;
  caFile: string;
  addUser(name: string, groups?: string[]): void;
  /**
   * Issues an OAuth access token for a user (created if unknown). expiresIn defaults to app.ci's 2419200 s
   * (28 days); createdAt defaults to now; pass a past createdAt to make an old or already expired token.
   */
  createToken(
    user: string,
    options?: {
      expiresIn?: number;
      createdAt?: Date;
      inactivityTimeoutSeconds?: number;
    },
  ): string;
  addServiceAccount(namespace: string, name: string): void;
  /**
   * Issues a service-account JWT directly (no 600 s minimum here; a negative value makes an expired token).
   * The service account is created if unknown. Default 3600 s.
   */
  createServiceAccountToken(
    namespace: string,
    name: string,
    expirationSeconds?: number,
  ): string;
  /**
   * From now on only these users or groups may create tokens (TokenRequest) for service accounts in `namespace`,
   * as the seed's RoleBinding to pull-secret-namespace-manager allows its admins group; anyone else gets the
   * apiserver's 403 Forbidden. Namespaces never restricted let every authenticated user (the default).
   */
  restrictTokenRequests(namespace: string, allowed: string[]): void;
  /**
   * Answers every TokenRequest with this lifetime instead of the one asked for, as a server maximum does;
   * a negative value issues an already expired token (a skewed clock). undefined restores the default.
   */
  setTokenRequestLifetime(seconds: number | undefined): void;
  /** Makes the token expired from now on (an OAuth token's creationTimestamp moves back so the metadata agrees). */
  expireToken(token: string): void;
  /** Revokes (deletes) the token: 401 with it, 404 when another token asks for its metadata. */
  revokeToken(token: string): void;
  /** Record of a token (for assertions); undefined if the fake never issued it. */
  tokenInfo(token: string): TokenRecord | undefined;
  denyQciAccess(username: string): void;
  allowQciAccess(username: string): void;
  /** Serves GET …/namespaces/NS/imagestreams/NAME with these status tags (a build farm's pipeline stream). */
  setImageStreamTags(namespace: string, name: string, tags: string[]): void;
  /** Whether POST selfsubjectreviews is served (false → 404, as on clusters without the API). */
  setSelfSubjectReviews(enabled: boolean): void;
  /** In-process TokenReview (what the proxy calls). */
  tokenReview(token: string): TokenReviewResult;
  /** In-process SubjectAccessReview for QCI pulls (get imagestreams/layers in ocp). */
  canPullQci(username: string): boolean;
  /** Requests served so far, oldest first. */
  readonly requests: readonly AppCiRequest[];
  /** TCP connections accepted so far (cleared with the requests). */
  readonly connections: number;
  /** From now on, delay new connections and requests like a server this far away. */
  setLatency(latency: Latency): void;
  clearRequests(): void;
  /** Writes a kubeconfig for this server and returns its path. */
  kubeconfig(options?: KubeconfigOptions): Promise<string>;
  /**
   * Serves requests the handler claims (returns true for) before the API's own routes, unauthenticated:
   * how the OAuth server (testbed/oauth.ts) shares this host and CA.
   */
  use(handler: (req: IncomingMessage, res: ServerResponse) => boolean): void;
  stop(): Promise<void>;
}

// ---- helpers exported for tests ------------------------------------------------------------------------

const OAUTH_PREFIX = 'sha256~';

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A fresh OAuth-style token: "sha256~" + 43 base64url characters. */
export function newOAuthToken(): string {
  return OAUTH_PREFIX + randomBytes(32).toString('base64url');
}

/** The useroauthaccesstokens object name for a token: "sha256~" + base64url(sha256(token without prefix)). */
export function oauthTokenName(token: string): string {
  const secret = token.startsWith(OAUTH_PREFIX)
    ? token.slice(OAUTH_PREFIX.length)
    : token;
  return OAUTH_PREFIX + createHash('sha256').update(secret).digest('base64url');
}

/** Kubernetes timestamps: RFC 3339, whole seconds, UTC. */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Decodes a JWT payload without verifying it (what a client does to read exp). */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (part === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

// ---- the server ----------------------------------------------------------------------------------------

interface UserRecord {
  name: string;
  uid: string;
  groups: string[];
  createdAt: number;
}

interface HttpError {
  code: number;
  reason: string;
  message: string;
  details?: Record<string, unknown>;
}

const QCI_ACCESS = {
  verb: 'get',
  group: 'image.openshift.io',
  resource: 'imagestreams',
  subresource: 'layers',
  namespace: 'ocp',
};

export async function startFakeAppCi(
  options: FakeAppCiOptions,
): Promise<FakeAppCi> {
  const now = options.now ?? Date.now;
  const dir = options.dir;
  await mkdir(dir, { recursive: true });
  const ca = await makeTestCa(dir, 'fake-app-ci-ca');
  const signingKey = randomBytes(32);

  const users = new Map<string, UserRecord>();
  const imageStreams = new Map<string, string[]>(); // "ns/name" → tags
  const serviceAccounts = new Map<string, { uid: string }>(); // key "ns/name"
  const tokens = new Map<string, TokenRecord>(); // by token text
  const denied = new Set<string>();
  const requests: AppCiRequest[] = [];
  let selfSubjectReviews = true;
  let kubeconfigCount = 0;
  const tokenManagers = new Map<string, Set<string>>(); // namespace → users and groups allowed TokenRequest
  let tokenRequestLifetime: number | undefined;
  let latency: Latency = options.latency ?? { connectionMs: 0, requestMs: 0 };
  let connections = 0;
  const handlers: Array<
    (req: IncomingMessage, res: ServerResponse) => boolean
  > = [];

  function addUser(name: string, groups: string[] = []): void {
    const existing = users.get(name);
    if (existing) existing.groups = [...groups];
    else
      users.set(name, {
        name,
        uid: randomUUID(),
        groups: [...groups],
        createdAt: now() - 86_400_000 * 400,
      });
  }

  function createToken(
    user: string,
    opts: {
      expiresIn?: number;
      createdAt?: Date;
      inactivityTimeoutSeconds?: number;
    } = {},
  ): string {
    if (!users.has(user)) addUser(user);
    const token = newOAuthToken();
    const record: OAuthTokenRecord = {
      kind: 'oauth',
      token,
      name: oauthTokenName(token),
      user,
      createdAt: new Date(
        Math.floor((opts.createdAt?.getTime() ?? now()) / 1000) * 1000,
      ),
      expiresIn: opts.expiresIn ?? 2_419_200,
      revoked: false,
    };
    if (opts.inactivityTimeoutSeconds !== undefined)
      record.inactivityTimeoutSeconds = opts.inactivityTimeoutSeconds;
    tokens.set(token, record);
    return token;
  }

  function addServiceAccount(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (!serviceAccounts.has(key))
      serviceAccounts.set(key, { uid: randomUUID() });
  }

  function signJwt(payload: Record<string, unknown>): string {
    const header = base64url(
      JSON.stringify({ alg: 'HS256', kid: 'fake-app-ci', typ: 'JWT' }),
    );
    const body = base64url(JSON.stringify(payload));
    const signature = createHmac('sha256', signingKey)
      .update(`${header}.${body}`)
      .digest('base64url');
    return `${header}.${body}.${signature}`;
  }

  function issueServiceAccountToken(
    namespace: string,
    name: string,
    expirationSeconds: number,
    audiences: string[],
  ): ServiceAccountTokenRecord {
    addServiceAccount(namespace, name);
    const sa = serviceAccounts.get(`${namespace}/${name}`)!;
    const iat = Math.floor(now() / 1000);
    const exp = iat + expirationSeconds;
    const jti = randomUUID();
    const username = `system:serviceaccount:${namespace}:${name}`;
    const token = signJwt({
      aud: audiences,
      exp,
      iat,
      iss: 'https://kubernetes.default.svc',
      jti,
      'kubernetes.io': { namespace, serviceaccount: { name, uid: sa.uid } },
      nbf: iat,
      sub: username,
    });
    const record: ServiceAccountTokenRecord = {
      kind: 'serviceaccount',
      token,
      namespace,
      serviceAccount: name,
      username,
      iat,
      exp,
      jti,
      revoked: false,
      forcedExpired: false,
    };
    tokens.set(token, record);
    return record;
  }

  function verifyJwt(token: string): boolean {
    const [header, body, signature] = token.split('.');
    if (header === undefined || body === undefined || signature === undefined)
      return false;
    const expected = createHmac('sha256', signingKey)
      .update(`${header}.${body}`)
      .digest();
    const given = Buffer.from(signature, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  function isExpired(record: TokenRecord): boolean {
    if (record.kind === 'oauth') {
      return (
        record.expiresIn > 0 &&
        record.createdAt.getTime() + record.expiresIn * 1000 <= now()
      );
    }
    return record.forcedExpired || record.exp * 1000 <= now();
  }

  function tokenReview(token: string): TokenReviewResult {
    const record = tokens.get(token);
    if (record === undefined) return { valid: false, reason: 'unknown' };
    if (record.kind === 'serviceaccount' && !verifyJwt(token))
      return { valid: false, reason: 'unknown' };
    if (record.revoked) return { valid: false, reason: 'revoked' };
    if (isExpired(record)) return { valid: false, reason: 'expired' };
    if (record.kind === 'oauth') {
      const user = users.get(record.user);
      return {
        valid: true,
        username: record.user,
        groups: [
          ...(user?.groups ?? []),
          'system:authenticated:oauth',
          'system:authenticated',
        ],
      };
    }
    return {
      valid: true,
      username: record.username,
      groups: [
        'system:serviceaccounts',
        `system:serviceaccounts:${record.namespace}`,
        'system:authenticated',
      ],
    };
  }

  function canPullQci(username: string): boolean {
    return !denied.has(username);
  }

  function expireToken(token: string): void {
    const record = tokens.get(token);
    if (record === undefined) throw new Error('expireToken: unknown token');
    if (record.kind === 'oauth') {
      if (record.expiresIn <= 0) record.expiresIn = 86_400;
      record.createdAt = new Date(
        Math.floor(now() / 1000) * 1000 - record.expiresIn * 1000 - 1000,
      );
    } else {
      record.forcedExpired = true;
    }
  }

  function revokeToken(token: string): void {
    const record = tokens.get(token);
    if (record === undefined) throw new Error('revokeToken: unknown token');
    record.revoked = true;
  }

  // ---- HTTP ----

  function send(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-cache, private',
      'Audit-Id': randomUUID(),
    });
    res.end(text);
  }

  function status(err: HttpError): Record<string, unknown> {
    const body: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: err.message,
      reason: err.reason,
    };
    if (err.details !== undefined) body.details = err.details;
    body.code = err.code;
    return body;
  }

  const unauthorized: HttpError = {
    code: 401,
    reason: 'Unauthorized',
    message: 'Unauthorized',
  };
  const notServed: HttpError = {
    code: 404,
    reason: 'NotFound',
    message: 'the server could not find the requested resource',
    details: {},
  };

  async function readJson(
    req: IncomingMessage,
  ): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      const parsed: unknown = JSON.parse(text);
      if (
        parsed !== null &&
        typeof parsed === 'object' &&
        !Array.isArray(parsed)
      )
        return parsed as Record<string, unknown>;
    } catch {
      /* fall through */
    }
    throw {
      code: 400,
      reason: 'BadRequest',
      message: "couldn't get version/kind; json parse error",
    } satisfies HttpError;
  }

  function userObject(name: string): Record<string, unknown> {
    const user = users.get(name);
    if (user === undefined) {
      // A service account asking users/~ gets a synthesized User.
      return {
        kind: 'User',
        apiVersion: 'user.openshift.io/v1',
        metadata: { name, creationTimestamp: null },
        groups: null,
      };
    }
    return {
      kind: 'User',
      apiVersion: 'user.openshift.io/v1',
      metadata: {
        name: user.name,
        uid: user.uid,
        resourceVersion: '12345',
        creationTimestamp: kubeTime(user.createdAt),
      },
      identities: [`RedHat_Internal_SSO:${user.name}`],
      groups: null,
    };
  }

  function oauthTokenObject(
    record: OAuthTokenRecord,
    user: UserRecord | undefined,
  ): Record<string, unknown> {
    const body: Record<string, unknown> = {
      kind: 'UserOAuthAccessToken',
      apiVersion: 'oauth.openshift.io/v1',
      metadata: {
        name: record.name,
        uid: randomUUIDFor(record.name),
        resourceVersion: '67890',
        creationTimestamp: kubeTime(record.createdAt.getTime()),
      },
      clientName: 'openshift-browser-client',
      expiresIn: record.expiresIn,
      scopes: ['user:full'],
      redirectURI:
        'https://oauth-openshift.apps.ci.l2s4.p1.openshiftapps.com/oauth/token/display',
      userName: record.user,
      userUID: user?.uid ?? '',
      authorizeToken: `sha256~${createHash('sha256').update(record.name).digest('base64url')}`,
    };
    if (record.inactivityTimeoutSeconds !== undefined)
      body.inactivityTimeoutSeconds = record.inactivityTimeoutSeconds;
    return body;
  }

  function randomUUIDFor(seed: string): string {
    const h = createHash('sha256').update(seed).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }

  function isQciAccess(attrs: Record<string, unknown>): boolean {
    const resource = String(attrs.resource ?? '');
    const subresource = String(attrs.subresource ?? '');
    const full = subresource ? `${resource}/${subresource}` : resource;
    return (
      attrs.verb === QCI_ACCESS.verb &&
      attrs.group === QCI_ACCESS.group &&
      attrs.namespace === QCI_ACCESS.namespace &&
      full === `${QCI_ACCESS.resource}/${QCI_ACCESS.subresource}`
    );
  }

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    entry: AppCiRequest,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const path = entry.path;
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    const review =
      bearer === undefined ? { valid: false } : tokenReview(bearer);
    if (!review.valid || review.username === undefined) {
      entry.status = 401;
      return send(res, 401, status(unauthorized));
    }
    entry.authenticated = true;
    entry.user = review.username;
    const username = review.username;
    const groups = review.groups ?? [];
    const record = tokens.get(bearer!)!;
    const reply = (code: number, body: unknown): void => {
      entry.status = code;
      send(res, code, body);
    };
    const fail = (err: HttpError): void => reply(err.code, status(err));

    if (
      method === 'POST' &&
      path === '/apis/authentication.k8s.io/v1/selfsubjectreviews'
    ) {
      if (!selfSubjectReviews) return fail(notServed);
      await readJson(req);
      const extra: Record<string, string[]> =
        record.kind === 'oauth'
          ? { 'scopes.authorization.openshift.io': ['user:full'] }
          : {
              'authentication.kubernetes.io/credential-id': [
                `JTI=${record.jti}`,
              ],
            };
      const uid =
        record.kind === 'oauth'
          ? users.get(username)?.uid
          : serviceAccounts.get(`${record.namespace}/${record.serviceAccount}`)
              ?.uid;
      return reply(201, {
        kind: 'SelfSubjectReview',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { creationTimestamp: null },
        status: {
          userInfo: { username, ...(uid ? { uid } : {}), groups, extra },
        },
      });
    }

    if (method === 'GET' && path === '/apis/user.openshift.io/v1/users/~') {
      const body = userObject(username);
      if (record.kind === 'serviceaccount') body.groups = groups;
      return reply(200, body);
    }

    const tokenMatch =
      /^\/apis\/oauth\.openshift\.io\/v1\/useroauthaccesstokens(?:\/([^/]+))?$/.exec(
        path,
      );
    if (method === 'GET' && tokenMatch) {
      const name =
        tokenMatch[1] === undefined
          ? undefined
          : decodeURIComponent(tokenMatch[1]);
      if (record.kind !== 'oauth') {
        return fail({
          code: 403,
          reason: 'Forbidden',
          message:
            `useroauthaccesstokens.oauth.openshift.io${name ? ` "${name}"` : ''} is forbidden: User "${username}" ` +
            'cannot ' +
            (name ? 'get' : 'list') +
            ' resource "useroauthaccesstokens" in API group "oauth.openshift.io" at the cluster scope',
          details: {
            ...(name ? { name } : {}),
            group: 'oauth.openshift.io',
            kind: 'useroauthaccesstokens',
          },
        });
      }
      const own = [...tokens.values()].filter(
        (t): t is OAuthTokenRecord =>
          t.kind === 'oauth' && t.user === username && !t.revoked,
      );
      if (name === undefined) {
        return reply(200, {
          kind: 'UserOAuthAccessTokenList',
          apiVersion: 'oauth.openshift.io/v1',
          metadata: { resourceVersion: '67890' },
          items: own.map((t) => oauthTokenObject(t, users.get(username))),
        });
      }
      const found = own.find((t) => t.name === name);
      if (found === undefined) {
        return fail({
          code: 404,
          reason: 'NotFound',
          message: `useroauthaccesstokens.oauth.openshift.io "${name}" not found`,
          details: {
            name,
            group: 'oauth.openshift.io',
            kind: 'useroauthaccesstokens',
          },
        });
      }
      return reply(200, oauthTokenObject(found, users.get(username)));
    }

    // Image streams (a build farm's pipeline stream of a job namespace), as set by setImageStreamTags.
    const streamMatch =
      /^\/apis\/image\.openshift\.io\/v1\/namespaces\/([^/]+)\/imagestreams\/([^/]+)$/.exec(
        path,
      );
    if (method === 'GET' && streamMatch) {
      const [, namespace, name] = streamMatch as unknown as [
        string,
        string,
        string,
      ];
      const tags = imageStreams.get(`${namespace}/${name}`);
      if (tags === undefined) {
        return fail({
          code: 404,
          reason: 'NotFound',
          message: `imagestreams.image.openshift.io "${name}" not found`,
          details: { name, group: 'image.openshift.io', kind: 'imagestreams' },
        });
      }
      return reply(200, {
        kind: 'ImageStream',
        apiVersion: 'image.openshift.io/v1',
        metadata: { name, namespace },
        spec: {},
        status: {
          dockerImageRepository: `image-registry.openshift-image-registry.svc:5000/${namespace}/${name}`,
          tags: tags.map((tag) => ({ tag, items: [] })),
        },
      });
    }

    if (
      method === 'POST' &&
      path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'
    ) {
      const body = await readJson(req);
      const spec = (body.spec ?? {}) as Record<string, unknown>;
      const attrs = spec.resourceAttributes as
        | Record<string, unknown>
        | undefined;
      if (attrs === undefined && spec.nonResourceAttributes === undefined) {
        return fail({
          code: 422,
          reason: 'Invalid',
          message:
            'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": ' +
            'exactly one of nonResourceAttributes or resourceAttributes must be specified',
          details: {
            group: 'authorization.k8s.io',
            kind: 'SelfSubjectAccessReview',
          },
        });
      }
      const allowed =
        attrs !== undefined && isQciAccess(attrs) && canPullQci(username);
      const reason = allowed
        ? record.kind === 'oauth'
          ? 'RBAC: allowed by RoleBinding "qci-image-puller/ocp" of ClusterRole "system:image-puller" to Group "system:authenticated:oauth"'
          : `RBAC: allowed by RoleBinding "${record.namespace}-image-puller/ocp" of ClusterRole "system:image-puller" to ServiceAccount "${record.serviceAccount}/${record.namespace}"`
        : undefined;
      return reply(201, {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec,
        status: { allowed, ...(reason ? { reason } : {}) },
      });
    }

    const tokenRequest =
      /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token$/.exec(
        path,
      );
    if (method === 'POST' && tokenRequest) {
      const namespace = decodeURIComponent(tokenRequest[1]!);
      const name = decodeURIComponent(tokenRequest[2]!);
      const body = await readJson(req);
      // RBAC comes first: the real apiserver answers 403 before it looks the service account up.
      const managers = tokenManagers.get(namespace);
      if (
        managers !== undefined &&
        !managers.has(username) &&
        !groups.some((g) => managers.has(g))
      ) {
        return fail({
          code: 403,
          reason: 'Forbidden',
          message: `serviceaccounts "${name}" is forbidden: User "${username}" cannot create resource "serviceaccounts/token" in API group "" in the namespace "${namespace}"`,
          details: { name, kind: 'serviceaccounts' },
        });
      }
      if (!serviceAccounts.has(`${namespace}/${name}`)) {
        return fail({
          code: 404,
          reason: 'NotFound',
          message: `serviceaccounts "${name}" not found`,
          details: { name, kind: 'serviceaccounts' },
        });
      }
      const spec = (body.spec ?? {}) as Record<string, unknown>;
      const expirationSeconds =
        typeof spec.expirationSeconds === 'number'
          ? spec.expirationSeconds
          : 3600;
      // The real apiserver: errors.NewInvalid(TokenRequest, "", errs) → 422 Invalid.
      if (expirationSeconds < 600 || expirationSeconds > 2 ** 32) {
        const why =
          expirationSeconds < 600
            ? 'may not specify a duration less than 10 minutes'
            : 'may not specify a duration larger than 2^32 seconds';
        return fail({
          code: 422,
          reason: 'Invalid',
          message: `TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: ${expirationSeconds}: ${why}`,
          details: {
            group: 'authentication.k8s.io',
            kind: 'TokenRequest',
            causes: [
              {
                reason: 'FieldValueInvalid',
                message: `Invalid value: ${expirationSeconds}: ${why}`,
                field: 'spec.expirationSeconds',
              },
            ],
          },
        });
      }
      const audiences =
        Array.isArray(spec.audiences) && spec.audiences.length > 0
          ? spec.audiences.map(String)
          : ['https://kubernetes.default.svc'];
      const issued = issueServiceAccountToken(
        namespace,
        name,
        tokenRequestLifetime ?? expirationSeconds,
        audiences,
      );
      return reply(201, {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: {
          name,
          namespace,
          creationTimestamp: kubeTime(issued.iat * 1000),
        },
        spec: {
          audiences,
          expirationSeconds,
          boundObjectRef: spec.boundObjectRef ?? null,
        },
        status: {
          token: issued.token,
          expirationTimestamp: kubeTime(issued.exp * 1000),
        },
      });
    }

    return fail(notServed);
  }

  const server: Server = createServer(
    { key: ca.keyPem, cert: ca.certPem },
    (req, res) => {
      const entry: AppCiRequest = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0]!,
        status: 0,
        authenticated: false,
        receivedAt: Date.now(),
      };
      res.once('finish', () => (entry.answeredAt = Date.now()));
      requests.push(entry);
      // Extra handlers (the OAuth server) answer first, without the delay.
      if (handlers.some((claims) => claims(req, res))) return;
      const delay = latency.requestMs;
      const delayed = delay > 0 ? sleep(delay) : Promise.resolve();
      delayed
        .then(() => route(req, res, entry))
        .catch((err: unknown) => {
          const httpErr =
            err !== null &&
            typeof err === 'object' &&
            'code' in err &&
            'reason' in err
              ? (err as HttpError)
              : { code: 500, reason: 'InternalError', message: String(err) };
          entry.status = httpErr.code;
          if (!res.headersSent) send(res, httpErr.code, status(httpErr));
          else res.destroy();
        });
    },
  );
  // Idle connections stay open as the real API server keeps them (Go's net/http sends no Keep-Alive
  // hint). A short timeout here makes Node send `Keep-Alive: timeout=1`, and Node's own client then
  // drops the connection at once (it keeps a socket only for the hint minus one second).
  server.keepAliveTimeout = 60_000;
  // The TCP listener hands each connection to the HTTPS server after the connection delay; the client's
  // TLS hello waits in the paused socket meanwhile, as it would on a long wire.
  const sockets = new Set<Socket>();
  const front = createTcpServer({ pauseOnConnect: true }, (socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const hand = () => server.emit('connection', socket);
    if (latency.connectionMs > 0) setTimeout(hand, latency.connectionMs);
    else hand();
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => resolve());
  });
  const address = front.address();
  if (address === null || typeof address === 'string')
    throw new Error('fake app.ci: no address');
  const port = address.port;
  const url = `https://127.0.0.1:${port}`;

  async function kubeconfig(opts: KubeconfigOptions = {}): Promise<string> {
    const context = opts.context ?? 'app.ci';
    const cluster = opts.cluster ?? `127-0-0-1:${port}`;
    const owner = opts.token === undefined ? undefined : tokens.get(opts.token);
    const ownerName =
      owner === undefined
        ? 'user'
        : owner.kind === 'oauth'
          ? owner.user
          : owner.username;
    const user = opts.user ?? `${ownerName}/${cluster}`;
    const config: Record<string, unknown> = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: cluster,
          cluster: {
            server: opts.server ?? url,
            ...(opts.omitCa
              ? {}
              : {
                  'certificate-authority-data': Buffer.from(ca.caPem).toString(
                    'base64',
                  ),
                }),
          },
        },
      ],
      contexts: [
        {
          name: context,
          context: {
            cluster,
            user,
            ...(opts.namespace ? { namespace: opts.namespace } : {}),
          },
        },
      ],
      users: [
        {
          name: user,
          user: opts.token === undefined ? {} : { token: opts.token },
        },
      ],
      preferences: {},
    };
    const current =
      opts.currentContext === undefined ? context : opts.currentContext;
    if (current !== null) config['current-context'] = current;
    const path = opts.path ?? join(dir, `kubeconfig-${++kubeconfigCount}.yaml`);
    await writeFile(path, stringify(config), { mode: 0o600 });
    return path;
  }

  return {
    url,
    port,
    caPem: ca.caPem,
    caFile: ca.caFile,
    addUser,
    createToken,
    addServiceAccount,
    createServiceAccountToken: (namespace, name, expirationSeconds = 3600) =>
      issueServiceAccountToken(namespace, name, expirationSeconds, [
        'https://kubernetes.default.svc',
      ]).token,
    restrictTokenRequests: (namespace, allowed) =>
      void tokenManagers.set(namespace, new Set(allowed)),
    setTokenRequestLifetime: (seconds) => void (tokenRequestLifetime = seconds),
    expireToken,
    revokeToken,
    tokenInfo: (token) => tokens.get(token),
    denyQciAccess: (username) => void denied.add(username),
    allowQciAccess: (username) => void denied.delete(username),
    setSelfSubjectReviews: (enabled) => void (selfSubjectReviews = enabled),
    setImageStreamTags: (namespace, name, tags) =>
      void imageStreams.set(`${namespace}/${name}`, [...tags]),
    tokenReview,
    canPullQci,
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    setLatency: (value) => void (latency = { ...value }),
    clearRequests: () => {
      requests.splice(0);
      connections = 0;
    },
    kubeconfig,
    use: (handler) => void handlers.push(handler),
    stop: () =>
      new Promise<void>((resolve) => {
        front.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}

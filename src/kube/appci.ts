/**
 * The app.ci client: finds the app.ci context in the kubeconfig and asks app.ci who the user is, when
 * the token expires, and whether it may pull from QCI. @kubernetes/client-node (~400 ms to import) is
 * loaded only here, only when a command needs app.ci.
 */
import type * as K8s from './client-node.js';
import { messageOf, QciError } from '../core/errors.js';
import { tokenFacts } from '../core/token.js';
import {
  entriesOf,
  findAppCiContext,
  inner,
  type AppCiContext,
} from './context.js';
import {
  inlineFiles,
  loadKubeconfig,
  type MergedKubeconfig,
} from './kubeconfig.js';
import {
  agents,
  closePreconnected,
  preconnectProof,
  takeWarmed,
  usePreconnected,
} from './warm.js';

export {
  APP_CI_SERVER,
  APP_CI_TOKEN_PAGE,
  LOGIN_HINT,
  QCI_ACCESS_HINT,
} from '../core/appci.js';
import { appCiError, noTokenError, tokenRequestError } from './appci-errors.js';
export { appCiError, noTokenError } from './appci-errors.js';
export { findAppCiContext, type AppCiContext } from './context.js';
const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The kube client with CoreV1Api, for another cluster's Secrets (kube/cluster-secrets.ts): imported here
 * because bin/build.mjs loads the kube bundles only through this file's imports.
 */
export const loadCoreClient = () => import('./client-node-sa.js');

export interface Identity {
  username: string;
  groups: string[];
}

/** What app.ci proves about a token in one round trip: the three questions asked together. */
export interface TokenProof {
  identity: Identity;
  expiry: TokenExpiry;
  /** May pull from QCI; service accounts skip the check, as the proxy does (ci-tools cmd/qci-appci). */
  qciAccess: boolean;
}

export interface TokenExpiry {
  expiresAt: Date | null;
  /** Where the expiry came from: app.ci's token metadata, the JWT itself, or nowhere. */
  source: 'oauth-metadata' | 'jwt' | 'unknown';
}

/**
 * Why a token from an auth file must not go to this context's API server (it is not app.ci's: the
 * token would be handed to another cluster); undefined when it is app.ci.
 */
export function notAppCiReason(context: AppCiContext): string | undefined {
  if (context.isAppCi) return undefined;
  return `kube context "${context.name}" (from ${context.foundBy}) is ${context.server}, not app.ci; qci sends a token from an auth file only to app.ci's API server`;
}

/** The name of an OAuth token's metadata object: sha256~ + base64url(sha256(token without sha256~)). */
export async function oauthTokenObjectName(token: string): Promise<string> {
  // node:crypto loads here, not with this module (warmAppCi() runs before it is needed).
  const { createHash } = await import('node:crypto');
  const bare = token.startsWith('sha256~')
    ? token.slice('sha256~'.length)
    : token;
  return `sha256~${createHash('sha256').update(bare).digest('base64url')}`;
}

/**
 * client-node's configuration for `server`: `auth` on every request, a timeout on every request
 * (client-node has none of its own, so a dead API server could hang qci), and `post` on every answer.
 */
export function timedConfiguration(
  k8s: Pick<typeof K8s, 'createConfiguration' | 'ServerConfiguration'>,
  server: string,
  auth: K8s.SecurityAuthentication,
  timeoutMs: number,
  post: (
    response: K8s.ResponseContext,
  ) => Promise<K8s.ResponseContext> = async (response) => response,
): K8s.Configuration {
  return k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(server, {}),
    authMethods: { default: auth },
    promiseMiddleware: [
      {
        pre: async (request: K8s.RequestContext) => {
          request.setSignal(
            AbortSignal.timeout(timeoutMs) as unknown as Parameters<
              K8s.RequestContext['setSignal']
            >[0],
          );
          return request;
        },
        post,
      },
    ],
  });
}

function keepAlive(kc: K8s.KubeConfig): K8s.SecurityAuthentication {
  return {
    getName: () => 'qci-keep-alive',
    applySecurityAuthentication: async (request) => {
      await kc.applySecurityAuthentication(request); // token, CA, cert, insecure
      const made = request.getAgent();
      const { Agent } = await import('node:https');
      const { createHash } = await import('node:crypto');
      // Proxy agents (a cluster's proxy-url) stay as client-node makes them.
      if (!(made instanceof Agent)) return;
      const options = (made as unknown as { options: Record<string, unknown> })
        .options;
      const tls = [
        'ca',
        'cert',
        'key',
        'pfx',
        'passphrase',
        'rejectUnauthorized',
        'servername',
      ].map((k) => options[k]);
      const key = createHash('sha256')
        .update(JSON.stringify(tls))
        .digest('hex');
      let shared = agents.get(key) as InstanceType<typeof Agent> | undefined;
      if (!shared) {
        shared = new Agent({ ...options, keepAlive: true });
        usePreconnected(shared);
        agents.set(key, shared);
      }
      request.setAgent(shared);
    },
  };
}

export interface AppCiOptions {
  env: Record<string, string | undefined>;
  /** --context / QCI_CONTEXT / config file, with where it came from. */
  context?: { name: string; source: string };
  timeoutMs?: number;
  /** A kubeconfig built in memory (qci login --web checks a new token before writing any file). */
  kubeconfig?: MergedKubeconfig;
  /** Open the connections prove() will use while the kube client loads (commands that prove at once). */
  preconnect?: boolean;
}

/**
 * A client-node KubeConfig of only the chosen context, its cluster and its user, as kubectl checks only
 * the context in use: an unrelated broken entry does not stop qci, and a kubeconfig of many contexts is
 * not parsed again. The files they name are read safely and passed inline (client-node would read them
 * itself, uncapped), and the token is the one read (tokenFile included, which client-node ignores).
 */
export function kubeConfigFor<
  T extends {
    loadFromString(config: string): void;
    setCurrentContext(name: string): void;
  },
>(make: () => T, merged: MergedKubeconfig, context: AppCiContext): T {
  const kc = make();
  const { entry, ...entries } = entriesOf(merged, context);
  const cluster = inlineFiles(entries.cluster, 'cluster');
  const read = inlineFiles(entries.user, 'user');
  const user =
    read && context.token
      ? { ...read, user: { ...inner(read, 'user'), token: context.token } }
      : read;
  try {
    kc.loadFromString(
      JSON.stringify({
        ...merged.config,
        clusters: cluster ? [cluster] : [],
        contexts: entry ? [entry] : [],
        users: user ? [user] : [],
      }),
    );
    kc.setCurrentContext(context.name);
  } catch (error) {
    throw new QciError(
      `kubeconfig ${merged.files.join(':')}: ${(error as Error).message.split('\n')[0]}`,
      { kind: 'bad-kubeconfig' },
    );
  }
  return kc;
}

/** More than any answer qci asks app.ci for (a review, a user, a token's metadata). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export class AppCi {
  private constructor(
    readonly context: AppCiContext,
    private readonly k8s: typeof K8s,
    private readonly kc: K8s.KubeConfig,
    private readonly timeoutMs: number,
  ) {}

  static async connect(options: AppCiOptions): Promise<AppCi> {
    const merged =
      options.kubeconfig ??
      (await loadKubeconfig(options.env, takeWarmed(options.env)));
    const context = findAppCiContext(merged, options.context);
    if (options.preconnect) await preconnectProof(merged, context);
    const k8s = await import('./client-node.js');
    const kc = kubeConfigFor(() => new k8s.KubeConfig(), merged, context);
    return new AppCi(context, k8s, kc, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  /** The same cluster with another token: to ask app.ci whether a token found in an auth file still works. */
  withToken(token: string): AppCi {
    const kc = new this.k8s.KubeConfig();
    const cluster = this.kc.getCurrentCluster();
    if (!cluster)
      throw new QciError(`kube context "${this.context.name}" has no cluster`, {
        kind: 'bad-kubeconfig',
      });
    kc.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'probe', token }],
      contexts: [{ name: 'probe', cluster: cluster.name, user: 'probe' }],
      currentContext: 'probe',
    });
    return new AppCi(
      { ...this.context, userEntry: 'probe', token },
      this.k8s,
      kc,
      this.timeoutMs,
    );
  }

  /**
   * Whether a token (from an auth file) is live on app.ci, and whose it is. A 401 means expired or
   * revoked; other failures (network) leave the answer unknown.
   */
  async probeToken(
    token: string,
  ): Promise<
    | { state: 'valid'; username: string }
    | { state: 'expired' }
    | { state: 'unknown'; reason: string }
  > {
    const refusal = notAppCiReason(this.context);
    if (refusal) return { state: 'unknown', reason: refusal };
    try {
      const identity = await this.withToken(token).whoami();
      return { state: 'valid', username: identity.username };
    } catch (error) {
      if (error instanceof QciError && error.kind === 'token-expired')
        return { state: 'expired' };
      return {
        state: 'unknown',
        reason: messageOf(error),
      };
    }
  }

  /** The token qci hands to the registry; an error when the context has none (certificate or exec login). */
  requireToken(): string {
    if (this.context.token === null) throw noTokenError(this.context.name);
    return this.context.token;
  }

  /**
   * An API client like kc.makeApiClient, plus a timeout on every request, so a dead API server cannot
   * hang qci (client-node has no timeout of its own).
   */
  private api<T>(
    type: new (config: K8s.Configuration) => T,
    k8s: typeof K8s = this.k8s,
    kc: K8s.KubeConfig = this.kc,
  ): T {
    const cluster = kc.getCurrentCluster();
    if (!cluster)
      throw new QciError(`kube context "${this.context.name}" has no cluster`, {
        kind: 'bad-kubeconfig',
      });
    // Read every answer whole, errors too (client-node leaves a 401's body unread): only then does
    // its connection go back to the keep-alive pool for the next request.
    const readWhole = async (response: K8s.ResponseContext) => {
      // An answer app.ci could not mean (its reviews and token metadata are a few KiB): refused unread.
      const length = Number(response.headers['content-length']);
      if (length > MAX_ANSWER_BYTES)
        throw new QciError(
          `app.ci (${this.context.server}) answered ${length} bytes; qci reads at most ${MAX_ANSWER_BYTES}`,
          { kind: 'api-error' },
        );
      const bytes = await response.body.binary();
      response.body = {
        text: async () => bytes.toString('utf8'),
        binary: async () => bytes,
      };
      return response;
    };
    return new type(
      timedConfiguration(
        k8s,
        cluster.server,
        keepAlive(kc),
        this.timeoutMs,
        readWhole,
      ),
    );
  }

  private async call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw appCiError(error, this.context, action);
    }
  }

  /**
   * Who, until when, and whether QCI: the three requests at once (they do not depend on each other).
   * A service account's token says so itself (a JWT), so its access review is skipped, as the proxy does.
   */
  async prove(): Promise<TokenProof> {
    const token = this.requireToken();
    const serviceAccount = tokenFacts(token).kind === 'service-account';
    // All three settle before anything is decided: their connections are then free for what comes next.
    const [identity, expiry, access] = await Promise.allSettled([
      this.whoami(),
      this.tokenExpiry(),
      serviceAccount ? Promise.resolve(true) : this.canPullQci(),
    ]);
    closePreconnected();
    // who-am-I's error first: it is the one that says the token is dead.
    for (const r of [identity, expiry, access])
      if (r.status === 'rejected') throw r.reason;
    const value = <T>(r: PromiseSettledResult<T>) =>
      (r as PromiseFulfilledResult<T>).value;
    const username = value(identity).username;
    return {
      identity: value(identity),
      expiry: value(expiry),
      qciAccess: username.startsWith('system:serviceaccount:') || value(access),
    };
  }

  /** selfsubjectreviews, falling back to users/~ on clusters without that API. */
  async whoami(): Promise<Identity> {
    const authn = this.api(this.k8s.AuthenticationV1Api);
    try {
      const review = await authn.createSelfSubjectReview({
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'SelfSubjectReview',
        },
      });
      const info = review.status?.userInfo;
      if (info?.username) return identityOf(info.username, info.groups);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 404 && code !== 403)
        throw appCiError(error, this.context, 'find out who you are');
    }
    const custom = this.api(this.k8s.CustomObjectsApi);
    const user = await this.call('find out who you are', () =>
      custom.getClusterCustomObject({
        group: 'user.openshift.io',
        version: 'v1',
        plural: 'users',
        name: '~',
      }),
    );
    const meta =
      (user as { metadata?: { name?: string }; groups?: string[] }) ?? {};
    if (!meta.metadata?.name)
      throw new QciError(
        `app.ci (${this.context.server}) did not say who you are`,
        { kind: 'api-error' },
      );
    return identityOf(meta.metadata.name, meta.groups);
  }

  /** When the context's token expires: app.ci's metadata for OAuth tokens, the JWT's exp for service accounts. */
  async tokenExpiry(): Promise<TokenExpiry> {
    const token = this.requireToken();
    const facts = tokenFacts(token);
    if (facts.kind !== 'oauth')
      return facts.expiresAt
        ? { expiresAt: facts.expiresAt, source: 'jwt' }
        : { expiresAt: null, source: 'unknown' };
    const custom = this.api(this.k8s.CustomObjectsApi);
    try {
      const object = (await custom.getClusterCustomObject({
        group: 'oauth.openshift.io',
        version: 'v1',
        plural: 'useroauthaccesstokens',
        name: await oauthTokenObjectName(token),
      })) as { metadata?: { creationTimestamp?: string }; expiresIn?: number };
      const created = object.metadata?.creationTimestamp
        ? Date.parse(object.metadata.creationTimestamp)
        : NaN;
      if (
        Number.isFinite(created) &&
        typeof object.expiresIn === 'number' &&
        object.expiresIn > 0 &&
        Number.isFinite(new Date(created + object.expiresIn * 1000).getTime())
      ) {
        return {
          expiresAt: new Date(created + object.expiresIn * 1000),
          source: 'oauth-metadata',
        };
      }
      return { expiresAt: null, source: 'unknown' };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 404 || code === 403)
        return { expiresAt: null, source: 'unknown' };
      throw appCiError(error, this.context, 'read the token expiry');
    }
  }

  /** The tags of an image stream (a build farm's `pipeline` stream of a job namespace). */
  async imageStreamTags(namespace: string, name: string): Promise<string[]> {
    const custom = this.api(this.k8s.CustomObjectsApi);
    const stream = (await this.call(
      `read the image stream ${namespace}/${name}`,
      () =>
        custom.getNamespacedCustomObject({
          group: 'image.openshift.io',
          version: 'v1',
          namespace,
          plural: 'imagestreams',
          name,
        }),
    )) as {
      status?: { tags?: { tag?: string }[] };
      spec?: { tags?: { name?: string }[] };
    };
    const tags =
      stream.status?.tags?.map((t) => t.tag) ??
      stream.spec?.tags?.map((t) => t.name) ??
      [];
    return tags.filter((t): t is string => typeof t === 'string' && t !== '');
  }

  /**
   * A bound token for a ServiceAccount through the TokenRequest API (what `oc create token` does). The
   * granted expiry comes back with it: a server may shorten the request. Errors never carry the token (it
   * exists only in a successful answer); a 403 says who may create such tokens.
   */
  async createServiceAccountToken(
    namespace: string,
    name: string,
    expirationSeconds: number,
  ): Promise<{ token: string; expiresAt: Date | null }> {
    // The kube client with CoreV1Api: a bundle of its own (bin/build.mjs), loaded only here.
    const k8s = await loadCoreClient();
    const kc = new k8s.KubeConfig();
    kc.loadFromString(this.kc.exportConfig());
    const core = this.api(k8s.CoreV1Api, k8s, kc);
    const what = `serviceaccount ${namespace}/${name}`;
    let answer: K8s.AuthenticationV1TokenRequest;
    try {
      answer = await core.createNamespacedServiceAccountToken({
        name,
        namespace,
        // Empty audiences: the API server's own, which is what the QCI proxy's TokenReview accepts.
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { audiences: [], expirationSeconds },
        },
      });
    } catch (error) {
      throw tokenRequestError(error, this.context, namespace, name);
    }
    const token = answer.status?.token;
    if (typeof token !== 'string' || token === '')
      throw new QciError(
        `app.ci (${this.context.server}) answered the token request for ${what} without a token`,
        { kind: 'api-error' },
      );
    const raw: unknown = answer.status?.expirationTimestamp;
    const expiresAt =
      raw instanceof Date
        ? raw
        : typeof raw === 'string'
          ? new Date(raw)
          : null;
    return {
      token,
      expiresAt:
        expiresAt && Number.isFinite(expiresAt.getTime()) ? expiresAt : null,
    };
  }

  /** The proxy's own check (ci-tools cmd/qci-appci): get imagestreams/layers in ocp, group image.openshift.io. */
  async canPullQci(): Promise<boolean> {
    const authz = this.api(this.k8s.AuthorizationV1Api);
    const review = await this.call('check your QCI access', () =>
      authz.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: 'get',
              group: 'image.openshift.io',
              resource: 'imagestreams',
              subresource: 'layers',
              namespace: 'ocp',
            },
          },
        },
      }),
    );
    return review.status?.allowed === true;
  }
}

/**
 * Who app.ci says you are, as qci shows and keeps it: a user name that is a string of printable
 * characters (a server's number, object or escape sequence is not one), and the groups that are strings.
 */
function identityOf(
  username: unknown,
  groups: unknown,
): { username: string; groups: string[] } {
  if (
    typeof username !== 'string' ||
    !/^[^\u0000-\u001f\u007f-\u009f]{1,253}$/.test(username)
  )
    throw new QciError(
      'app.ci answered a user name qci cannot use (not a name of printable characters)',
      { kind: 'api-error' },
    );
  return {
    username,
    groups: Array.isArray(groups)
      ? groups.filter((g): g is string => typeof g === 'string')
      : [],
  };
}

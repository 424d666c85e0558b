/**
 * Secrets and ServiceAccounts on a cluster qci puts a pull secret into (not app.ci): its context from
 * --kubeconfig / --context (default the current context), through @kubernetes/client-node's CoreV1Api.
 * Writes are replace-with-resourceVersion, so a change made meanwhile by someone else fails (409) instead
 * of being overwritten. Errors name the server and the object, never a secret.
 */
import type { V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import type * as K8s from './client-node-sa.js';
import { QciError } from '../core/errors.js';
import {
  appCiError,
  kubeConfigFor,
  loadCoreClient,
  timedConfiguration,
} from './appci.js';
import { findAppCiContext, type AppCiContext } from './context.js';
import { loadKubeconfig } from './kubeconfig.js';

const TIMEOUT_MS = 15_000;

export interface SecretObject {
  type: string | undefined;
  /** The data values, base64 as the API holds them. */
  data: Record<string, string>;
  /** The object as read: a replace keeps its labels, annotations and owners. */
  raw: V1Secret;
}

export interface ServiceAccountObject {
  imagePullSecrets: string[];
}

export interface TargetOptions {
  env: Record<string, string | undefined>;
  /** --kubeconfig: read this file instead of KUBECONFIG. */
  kubeconfig?: string | undefined;
  /** --context; default the kubeconfig's current context. */
  context?: string | undefined;
}

/** What a status code from the target cluster means for the action that got it. */
function clusterError(
  error: unknown,
  context: AppCiContext,
  action: string,
): QciError {
  const where = `the cluster ${context.server} (context ${context.name})`;
  const code = (error as { code?: unknown }).code;
  if (code === 401)
    return new QciError(
      `${where} rejected your credentials while trying to ${action}`,
      {
        kind: 'credentials-rejected',
        hint: `log in to that cluster again (oc login or your cluster's own way), then retry`,
      },
    );
  if (code === 403)
    return new QciError(
      `${where} does not allow you to ${action} (403 Forbidden)`,
      {
        kind: 'denied',
        hint: 'ask the cluster admin, or use a context with more rights (--context)',
      },
    );
  if (code === 409)
    return new QciError(
      `${where}: the object changed while qci was updating it (409 Conflict); nothing was written`,
      { kind: 'api-error', hint: 'run the command again' },
    );
  if (typeof code === 'number')
    return new QciError(
      `${where} answered HTTP ${code} while trying to ${action}`,
      {
        kind: code === 404 ? 'not-found' : 'api-error',
      },
    );
  // Network and TLS failures: app.ci's words, naming this cluster.
  return appCiError(
    error,
    context,
    action,
    `the cluster (${context.server}, context ${context.name})`,
  );
}

export class TargetCluster {
  private constructor(
    readonly context: AppCiContext,
    private readonly core: K8s.CoreV1Api,
  ) {}

  static async connect(options: TargetOptions): Promise<TargetCluster> {
    const env = options.kubeconfig
      ? { ...options.env, KUBECONFIG: options.kubeconfig }
      : options.env;
    const merged = await loadKubeconfig(env);
    const name = options.context ?? merged.config['current-context'];
    if (!name)
      throw new QciError(
        `the kubeconfig (${merged.files.join(':')}) has no current context`,
        {
          kind: 'context-not-found',
          hint: 'name the target cluster with --context',
        },
      );
    const context = findAppCiContext(merged, {
      name,
      source: options.context ? '--context' : 'current-context',
    });
    const k8s = await loadCoreClient();
    const kc = kubeConfigFor(() => new k8s.KubeConfig(), merged, context);
    return new TargetCluster(context, coreApi(k8s, kc, context.server));
  }

  private async call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw clusterError(error, this.context, action);
    }
  }

  /** What `read` answers; null when the object does not exist (404). */
  private async readOrNull<T>(
    action: string,
    read: () => Promise<T>,
  ): Promise<T | null> {
    try {
      return await read();
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return null;
      throw clusterError(error, this.context, action);
    }
  }

  /** The Secret; null when it does not exist. */
  async readSecret(
    namespace: string,
    name: string,
  ): Promise<SecretObject | null> {
    const s = await this.readOrNull(`read secret ${namespace}/${name}`, () =>
      this.core.readNamespacedSecret({ name, namespace }),
    );
    return (
      s && {
        type: s.type,
        data: { ...(s.data ?? {}) },
        raw: s,
      }
    );
  }

  /** Creates the Secret (`before` null) or replaces it at the version read. */
  async writeSecret(
    namespace: string,
    name: string,
    type: string,
    data: Record<string, string>,
    before: SecretObject | null,
  ): Promise<void> {
    // A replace sends the object as read (labels, annotations, owners kept) with the new data.
    const body: V1Secret = before
      ? { ...before.raw, type, data }
      : {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, namespace },
          type,
          data,
        };
    const action = `${before ? 'update' : 'create'} secret ${namespace}/${name}`;
    await this.call(action, () =>
      before
        ? this.core.replaceNamespacedSecret({ name, namespace, body })
        : this.core.createNamespacedSecret({ namespace, body }),
    );
  }

  async readServiceAccount(
    namespace: string,
    name: string,
  ): Promise<(ServiceAccountObject & { raw: V1ServiceAccount }) | null> {
    const sa = await this.readOrNull(
      `read serviceaccount ${namespace}/${name}`,
      () => this.core.readNamespacedServiceAccount({ name, namespace }),
    );
    return (
      sa && {
        imagePullSecrets: (sa.imagePullSecrets ?? [])
          .map((r) => r.name)
          .filter((n): n is string => typeof n === 'string'),
        raw: sa,
      }
    );
  }

  /** Adds `secret` to the ServiceAccount's imagePullSecrets (replace at the version read). */
  async linkPullSecret(
    namespace: string,
    name: string,
    secret: string,
    sa: { raw: V1ServiceAccount },
  ): Promise<void> {
    const body: V1ServiceAccount = {
      ...sa.raw,
      imagePullSecrets: [...(sa.raw.imagePullSecrets ?? []), { name: secret }],
    };
    await this.call(`update serviceaccount ${namespace}/${name}`, () =>
      this.core.replaceNamespacedServiceAccount({ name, namespace, body }),
    );
  }
}

/** CoreV1Api for the context, with a timeout on every request (client-node has none of its own). */
function coreApi(
  k8s: Awaited<ReturnType<typeof loadCoreClient>>,
  kc: K8s.KubeConfig,
  server: string,
): K8s.CoreV1Api {
  return new k8s.CoreV1Api(timedConfiguration(k8s, server, kc, TIMEOUT_MS));
}

/**
 * qci pull-secret --apply: the pull secret into a cluster (never app.ci unless asked). On OpenShift it is
 * merged into the global pull secret, openshift-config/pull-secret (what `oc set data secret/pull-secret
 * -n openshift-config` edits); elsewhere --namespace/--name make or update a kubernetes.io/dockerconfigjson
 * Secret, and --link-service-account adds it to that ServiceAccount's imagePullSecrets. Every other
 * registry's entry is kept; --dry-run reads and reports, writes nothing.
 */
import { QciError, usageError } from '../core/errors.js';
import { pullSecretChanges, type RegistryChange } from '../core/pull-secret.js';
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
} from '../core/registry-access.js';
import type { TargetCluster } from '../kube/cluster-secrets.js';
import { sameServer } from '../kube/context.js';
import { mergeEntries, type PullSecret } from './pull-secret.js';
import type { AuthSetup } from './setup.js';

const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson';
const DATA_KEY = '.dockerconfigjson';
/** OpenShift's global pull secret (openshift/api config/v1: the cluster's pull secret for every node). */
const GLOBAL_PULL_SECRET = {
  namespace: 'openshift-config',
  name: 'pull-secret',
};

export interface ApplyTarget {
  kubeconfig: string | undefined;
  context: string | undefined;
  /** --namespace/--name: a Secret of its own; undefined: OpenShift's global pull secret. */
  secret: { namespace: string; name: string } | undefined;
  linkServiceAccount: string | undefined;
  allowAppCi: boolean;
}

/** The --apply flags, checked before any token is asked for. */
export function checkApplyTarget(flags: {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  name?: string | undefined;
  linkServiceAccount?: string | undefined;
  allowAppCi?: boolean | undefined;
}): ApplyTarget {
  const { namespace, name, linkServiceAccount } = flags;
  if ((namespace === undefined) !== (name === undefined))
    throw usageError(
      '--namespace and --name go together: the Secret to make or update',
    );
  if (linkServiceAccount !== undefined && namespace === undefined)
    throw usageError(
      '--link-service-account needs --namespace and --name (the Secret to link)',
    );
  const problem =
    (namespace !== undefined &&
      dns1123LabelProblem('--namespace', namespace)) ||
    (name !== undefined && dns1123SubdomainProblem('--name', name)) ||
    (linkServiceAccount !== undefined &&
      dns1123SubdomainProblem('--link-service-account', linkServiceAccount));
  if (problem) throw usageError(problem, { kind: 'invalid-name' });
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    secret:
      namespace !== undefined && name !== undefined
        ? { namespace, name }
        : undefined,
    linkServiceAccount,
    allowAppCi: flags.allowAppCi === true,
  };
}

export interface ApplyOutcome {
  context: string;
  server: string;
  /** `openshift`: merged into openshift-config/pull-secret; `secret`: a Secret of its own. */
  kind: 'openshift' | 'secret';
  /** namespace/name */
  secret: string;
  created: boolean;
  changed: boolean;
  changes: RegistryChange[];
  /** The ServiceAccount --link-service-account named, and whether the Secret was (or would be) added. */
  linked: { serviceAccount: string; added: boolean } | null;
  notes: string[];
}

/**
 * The target cluster, connected and checked before any token is minted: not app.ci's own (unless
 * --allow-app-ci).
 */
export async function connectTarget(
  setup: AuthSetup,
  target: ApplyTarget,
): Promise<TargetCluster> {
  const { TargetCluster } = await import('../kube/cluster-secrets.js');
  const cluster = await TargetCluster.connect({
    env: setup.env,
    kubeconfig: target.kubeconfig,
    context: target.context,
  });
  const appci = await setup.connect().catch(() => undefined);
  const isAppCi =
    cluster.context.isAppCi ||
    (appci !== undefined &&
      sameServer(appci.context.server, cluster.context.server));
  if (isAppCi && !target.allowAppCi)
    throw usageError(
      `kube context "${cluster.context.name}" (${cluster.context.foundBy}) is app.ci's cluster (${cluster.context.server}); qci puts pull secrets into app.ci only when asked`,
      {
        hint: 'name the target cluster with --context (kubectl config get-contexts lists them) or --kubeconfig; --allow-app-ci if you mean app.ci',
      },
    );
  return cluster;
}

/** A Secret's .dockerconfigjson, parsed; a Secret whose value is not a JSON object is refused. */
function dockerConfigOf(
  data: Record<string, string>,
  what: string,
): Record<string, unknown> {
  const raw = data[DATA_KEY];
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new QciError(
      `secret ${what}: its ${DATA_KEY} is not a JSON object; qci left it unchanged`,
      { kind: 'auth-file-corrupt', hint: `repair or replace secret ${what}` },
    );
  return value as Record<string, unknown>;
}

/** Merges, creates or (--dry-run) only reports; then links the ServiceAccount when asked. */
export async function applyPullSecret(
  cluster: TargetCluster,
  target: ApplyTarget,
  secret: PullSecret,
  options: { dryRun: boolean },
): Promise<ApplyOutcome> {
  const where = target.secret ?? GLOBAL_PULL_SECRET;
  const what = `${where.namespace}/${where.name}`;
  const before = await cluster.readSecret(where.namespace, where.name);
  if (!before && !target.secret)
    throw new QciError(
      `${cluster.context.server} (context ${cluster.context.name}) has no secret ${what}: it is not OpenShift, or you may not read it`,
      {
        kind: 'not-found',
        hint: 'on Kubernetes (kind, minikube, …) name a Secret to make: --namespace NS --name NAME [--link-service-account default]',
      },
    );
  if (before && before.type !== DOCKERCONFIGJSON)
    throw new QciError(
      `secret ${what} is of type ${before.type ?? 'Opaque'}, not ${DOCKERCONFIGJSON}; qci left it unchanged`,
      { kind: 'exists', hint: 'name another Secret with --name' },
    );
  const old = before ? dockerConfigOf(before.data, what) : {};
  const next = structuredClone(old);
  mergeEntries(next, secret.json, `secret ${what}`);
  const changes = pullSecretChanges(before ? old : null, next);
  const changed = JSON.stringify(next) !== JSON.stringify(old) || !before;
  const account = await serviceAccountToLink(cluster, target, where.name);
  if (changed && !options.dryRun)
    await cluster.writeSecret(
      where.namespace,
      where.name,
      DOCKERCONFIGJSON,
      {
        ...(before?.data ?? {}),
        [DATA_KEY]: Buffer.from(JSON.stringify(next)).toString('base64'),
      },
      before,
    );
  if (account?.add && !options.dryRun)
    await cluster.linkPullSecret(
      where.namespace,
      account.name,
      where.name,
      account.sa,
    );
  return {
    context: cluster.context.name,
    server: cluster.context.server,
    kind: target.secret ? 'secret' : 'openshift',
    secret: what,
    created: !before,
    changed,
    changes,
    linked: account
      ? { serviceAccount: account.name, added: account.add }
      : null,
    notes: notesOf(target, what, !before, changed, account, options.dryRun),
  };
}

/** The ServiceAccount to link, read before anything is written: a missing one changes nothing. */
async function serviceAccountToLink(
  cluster: TargetCluster,
  target: ApplyTarget,
  secretName: string,
) {
  const name = target.linkServiceAccount;
  const namespace = target.secret?.namespace;
  if (name === undefined || namespace === undefined) return null;
  const sa = await cluster.readServiceAccount(namespace, name);
  if (!sa)
    throw new QciError(
      `serviceaccount ${namespace}/${name} does not exist on ${cluster.context.server}; nothing was changed`,
      {
        kind: 'not-found',
        hint: `create it first (kubectl create serviceaccount ${name} -n ${namespace}), or leave out --link-service-account`,
      },
    );
  return { name, sa, add: !sa.imagePullSecrets.includes(secretName) };
}

function notesOf(
  target: ApplyTarget,
  what: string,
  created: boolean,
  changed: boolean,
  account: { name: string; add: boolean } | null,
  dryRun: boolean,
): string[] {
  const would = dryRun ? 'would ' : '';
  const notes = [
    !changed
      ? `secret ${what} already holds this pull secret: unchanged`
      : `${would}${created ? (dryRun ? 'create' : 'created') : dryRun ? 'update' : 'updated'} secret ${what}`,
  ];
  if (account)
    notes.push(
      account.add
        ? `${would}${dryRun ? 'add' : 'added'} ${target.secret?.name} to serviceaccount ${account.name}'s imagePullSecrets`
        : `serviceaccount ${account.name} already lists ${target.secret?.name} in imagePullSecrets`,
    );
  if (!target.secret && changed && !dryRun)
    notes.push(
      'OpenShift copies the global pull secret to every node; `oc get machineconfigpool` shows when that is done',
    );
  if (dryRun) notes.push('--dry-run: nothing was changed');
  return notes;
}

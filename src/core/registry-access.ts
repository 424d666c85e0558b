/**
 * The openshift/release files that give a project a ServiceAccount for programmatic QCI pulls (the seed's
 * "Token For Programmatic Access to QCI"): `clusters/app.ci/registry-access/<project>/admin_manifest.yaml`
 * and `OWNERS`. Rendered as text from the seed's own manifests, comments included, so a reviewer sees the
 * documented shape. Pure.
 */
import { usageError } from './errors.js';

export const REGISTRY_ACCESS_DIR = 'clusters/app.ci/registry-access';
export const SERVICE_ACCOUNT = 'image-puller';
/** The ClusterRole that lets the admins group create tokens for the project's ServiceAccounts. */
export const TOKEN_MANAGER_ROLE = 'pull-secret-namespace-manager';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** GitHub logins: alphanumerics and single hyphens, at most 39 characters. */
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** Namespaces app.ci keeps for itself. */
const RESERVED = /^(openshift|kube|default)(-|$)/;
export const OWNERS_PLACEHOLDER = 'REPLACE-WITH-GITHUB-LOGIN';

function show(value: string): string {
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return JSON.stringify(clean.length > 80 ? `${clean.slice(0, 80)}…` : clean);
}

/**
 * Why `value` is not a DNS-1123 label (what Kubernetes requires of a namespace), or null. `what` names the
 * flag in the message, so a user knows which input to fix.
 */
export function dns1123LabelProblem(
  what: string,
  value: string,
): string | null {
  if (value === '') return `${what} is empty`;
  if (value.length > 63)
    return `${what} ${show(value)} is ${value.length} characters; a DNS-1123 label is at most 63`;
  if (/[A-Z]/.test(value) && DNS1123_LABEL.test(value.toLowerCase()))
    return `${what} ${show(value)} has uppercase letters; use ${show(value.toLowerCase())}`;
  if (!DNS1123_LABEL.test(value)) {
    const guess = value
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '');
    const tryIt =
      guess && guess.length <= 63 && DNS1123_LABEL.test(guess)
        ? ` (try ${show(guess)})`
        : '';
    return `${what} ${show(value)} is not a DNS-1123 label: use a-z, 0-9 and "-", starting and ending with a letter or digit${tryIt}`;
  }
  return null;
}

/** Why `value` is not a DNS-1123 subdomain (ServiceAccount names, RoleBinding names), or null. */
export function dns1123SubdomainProblem(
  what: string,
  value: string,
): string | null {
  if (value === '') return `${what} is empty`;
  if (value.length > 253)
    return `${what} ${show(value)} is ${value.length} characters; a DNS-1123 subdomain is at most 253`;
  if (/[A-Z]/.test(value) && DNS1123_SUBDOMAIN.test(value.toLowerCase()))
    return `${what} ${show(value)} has uppercase letters; use ${show(value.toLowerCase())}`;
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return `${what} ${show(value)} is not a DNS-1123 name: use a-z, 0-9, "-" and ".", starting and ending with a letter or digit`;
  }
  return null;
}

/** The project (namespace) name: a DNS-1123 label that app.ci does not reserve. */
export function projectProblem(
  project: string,
  flag = '--project',
): string | null {
  const problem = dns1123LabelProblem(`${flag}`, project);
  if (problem) return problem;
  if (RESERVED.test(project))
    return `${flag} ${show(project)}: namespaces named openshift…, kube… or default are reserved on app.ci; pick a name for your project`;
  return null;
}

export interface RegistryAccessInput {
  project: string;
  /** The Rover group whose members manage the ServiceAccount's tokens. */
  admins: string;
  /** GitHub logins for OWNERS; empty → a placeholder the user must replace. */
  owners: string[];
}

export interface RegistryAccessFile {
  /** Relative to the openshift/release checkout. */
  path: string;
  content: string;
}

export interface RegistryAccessFiles {
  dir: string;
  files: RegistryAccessFile[];
  warnings: string[];
}

/** Checks every name and throws a usage error naming the first bad one. */
export function validateRegistryAccess(input: RegistryAccessInput): void {
  const problem =
    projectProblem(input.project) ??
    dns1123SubdomainProblem('--admins', input.admins) ??
    input.owners
      .map((o) =>
        GITHUB_LOGIN.test(o)
          ? null
          : `--owners ${show(o)} is not a GitHub login (letters, digits and single "-", at most 39)`,
      )
      .find((p) => p !== null) ??
    null;
  if (problem) throw usageError(problem, { kind: 'invalid-name' });
  for (const name of bindingNames(input.project)) {
    const p = dns1123SubdomainProblem('RoleBinding name', name);
    if (p) throw usageError(p, { kind: 'invalid-name' });
  }
}

function bindingNames(project: string): string[] {
  return [
    `${project}-image-puller-binding`,
    `${project}-viewer-binding`,
    `${project}-admins-binding`,
  ];
}

/** The seed's admin_manifest.yaml for `project`, its admins group in place of my-project-admins. */
export function renderAdminManifest(project: string, admins: string): string {
  const [pullerBinding, viewerBinding, adminsBinding] = bindingNames(project);
  return `# this is the Namespace in which your ServiceAccount will live
apiVersion: v1
kind: Namespace
metadata:
  annotations:
    openshift.io/description: Automation ServiceAccounts for ${project}
    openshift.io/display-name: ${project} CI
  name: ${project}
---
# this is the ServiceAccount whose credentials you will use
kind: ServiceAccount
apiVersion: v1
metadata:
  name: ${SERVICE_ACCOUNT}
  namespace: ${project}
---
# this grants your ServiceAccount rights to pull images
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: ${pullerBinding}
  # the namespace from which you will pull images
  namespace: ocp
roleRef:
  kind: ClusterRole
  apiGroup: rbac.authorization.k8s.io
  name: system:image-puller
subjects:
  - kind: ServiceAccount
    namespace: ${project}
    name: ${SERVICE_ACCOUNT}
---
# this adds the admins to the project.
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: ${viewerBinding}
  namespace: ${project}
roleRef:
  kind: ClusterRole
  apiGroup: rbac.authorization.k8s.io
  name: view
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: ${admins}
    namespace: ${project}
---
# this grants the right to read the ServiceAccount's credentials and pull
# images to the admins.
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: ${adminsBinding}
  namespace: ${project}
roleRef:
  kind: ClusterRole
  apiGroup: rbac.authorization.k8s.io
  name: ${TOKEN_MANAGER_ROLE}
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    # This is a group from Rover https://rover.redhat.com/groups/
    name: ${admins}
    namespace: ${project}
`;
}

/** OWNERS in the shape openshift/release uses (Prow's approvers and reviewers, GitHub logins). */
export function renderOwners(owners: string[]): string {
  const list = (owners.length > 0 ? owners : [OWNERS_PLACEHOLDER])
    .map((o) => `- ${o}`)
    .join('\n');
  return `# GitHub logins that may approve (approvers) and review (reviewers) changes to this directory
approvers:
${list}
reviewers:
${list}
`;
}

/** Both files, validated, with where they go in an openshift/release checkout. */
export function registryAccessFiles(
  input: RegistryAccessInput,
): RegistryAccessFiles {
  validateRegistryAccess(input);
  const dir = `${REGISTRY_ACCESS_DIR}/${input.project}`;
  const owners = [...new Set(input.owners)];
  return {
    dir,
    files: [
      {
        path: `${dir}/admin_manifest.yaml`,
        content: renderAdminManifest(input.project, input.admins),
      },
      { path: `${dir}/OWNERS`, content: renderOwners(owners) },
    ],
    warnings:
      owners.length === 0
        ? [
            `OWNERS lists the placeholder ${OWNERS_PLACEHOLDER}: put your team's GitHub logins there before opening the pull request (or rerun with --owners LOGIN,LOGIN)`,
          ]
        : [],
  };
}

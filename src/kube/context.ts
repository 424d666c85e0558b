/**
 * Which kubeconfig context is app.ci's (findAppCiContext), and the entries it uses: pure, over a merged
 * kubeconfig, so that the first step of whoami, doctor and login (kube/warm.ts) can find app.ci's server
 * before the app.ci client (appci.ts) loads.
 */
import { APP_CI_SERVER, LOGIN_HINT } from '../core/appci.js';
import { QciError } from '../core/errors.js';
import { inlineTokenFile, type MergedKubeconfig } from './kubeconfig.js';

export interface AppCiContext {
  name: string;
  /** How the context was chosen, for messages: "--context", "QCI_CONTEXT", "named app.ci", "server URL". */
  foundBy: string;
  server: string;
  /** The kubeconfig file that defines the context. */
  file: string;
  /** The kubeconfig user entry's name (oc writes "<user>/<cluster>"). */
  userEntry: string;
  /** Null when the user authenticates another way (client certificate, exec plugin). */
  token: string | null;
  /**
   * Whether the context is app.ci's (found by name or server, or named by --context and pointing at
   * app.ci's server): only then may a token read from an auth file be sent to its API server.
   */
  isAppCi: boolean;
}

const normalise = (server: string) =>
  server.trim().toLowerCase().replace(/\/+$/, '');

/** Whether two API server URLs name the same server (case, surrounding space and trailing slashes aside). */
export const sameServer = (a: string, b: string) =>
  normalise(a) === normalise(b);

type Entry = { name?: unknown; [k: string]: unknown };
export const inner = (entry: Entry | undefined, key: string) =>
  (entry?.[key] ?? {}) as Record<string, unknown>;

/** Picks the app.ci context: as requested, else one named app.ci, else the one whose server is app.ci's. */
export function findAppCiContext(
  merged: MergedKubeconfig,
  requested?: { name: string; source: string },
): AppCiContext {
  const contexts = merged.config.contexts;
  const clusterOf = (ctx: Entry) =>
    merged.config.clusters.find(
      (c) => c.name === inner(ctx, 'context').cluster,
    );
  const describe = () =>
    contexts.length === 0
      ? 'the kubeconfig has no contexts'
      : `contexts in the kubeconfig: ${contexts.map((c) => `${String(c.name)} (${String(inner(clusterOf(c), 'cluster').server ?? 'no server')})`).join(', ')}`;

  let chosen: Entry | undefined;
  let foundBy: string;
  if (requested) {
    chosen = contexts.find((c) => c.name === requested.name);
    foundBy = requested.source;
    if (!chosen) {
      throw new QciError(
        `kube context "${requested.name}" (from ${requested.source}) does not exist; ${describe()}`,
        {
          kind: 'context-not-found',
          hint: `pick one of those with --context, or ${LOGIN_HINT}`,
        },
      );
    }
  } else {
    chosen = contexts.find((c) => c.name === 'app.ci');
    foundBy = 'named app.ci';
    if (!chosen) {
      chosen = contexts.find((c) =>
        sameServer(
          String(inner(clusterOf(c), 'cluster').server ?? ''),
          APP_CI_SERVER,
        ),
      );
      foundBy = `server URL ${APP_CI_SERVER}`;
    }
    if (!chosen) {
      throw new QciError(
        `no app.ci context: none is named app.ci and none points at ${APP_CI_SERVER}; ${describe()}`,
        {
          kind: 'no-context',
          hint: `${LOGIN_HINT}; or name the context to use with --context or QCI_CONTEXT`,
        },
      );
    }
  }
  const name = String(chosen.name);
  const cluster = clusterOf(chosen);
  const server = String(inner(cluster, 'cluster').server ?? '');
  if (!server) {
    throw new QciError(`kube context "${name}" has no cluster server`, {
      kind: 'bad-kubeconfig',
      hint: `fix ${merged.contextSource.get(name) ?? 'the kubeconfig'}`,
    });
  }
  const file = merged.contextSource.get(name) ?? 'the kubeconfig';
  const serverProblem = serverUrlProblem(server);
  if (serverProblem)
    throw new QciError(
      `kube context "${name}": its cluster's server ${JSON.stringify(server.slice(0, 200))} ${serverProblem}`,
      { kind: 'bad-kubeconfig', hint: `fix the cluster's server in ${file}` },
    );
  const userEntry = String(inner(chosen, 'context').user ?? '');
  const found = merged.config.users.find((u) => u.name === userEntry);
  const user = found ? inlineTokenFile(found) : undefined;
  const token = inner(user, 'user').token;
  // A token is one word: one with a line break or a control character in it never reaches a server.
  if (typeof token === 'string' && /[\u0000-\u001f\u007f]/.test(token.trim()))
    throw new QciError(
      `kube context "${name}": the token of user "${userEntry}" has a line break or a control character in it`,
      {
        kind: 'bad-kubeconfig',
        hint: `fix the token in ${file}, or log in again: qci login --web`,
      },
    );
  const appCiNamed = contexts.find((c) => c.name === 'app.ci');
  const appCiServers = [
    APP_CI_SERVER,
    ...(appCiNamed
      ? [String(inner(clusterOf(appCiNamed), 'cluster').server ?? '')]
      : []),
  ].map(normalise);
  return {
    name,
    foundBy,
    server,
    isAppCi:
      !requested ||
      name === 'app.ci' ||
      appCiServers.includes(normalise(server)),
    file: merged.contextSource.get(name) ?? '',
    userEntry,
    token:
      typeof token === 'string' && token.trim() !== '' ? token.trim() : null,
  };
}

/** Why a cluster's server is not one a client can talk to (kubectl wants an http or https URL), or null. */
function serverUrlProblem(server: string): string | null {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return 'is not a URL (it needs https:// and a host)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `is not an https:// URL (${url.protocol.slice(0, 20)})`;
  return url.hostname === '' ? 'has no host' : null;
}

/** The kubeconfig entries of the chosen context: the context, its cluster and its user. */
export function entriesOf(merged: MergedKubeconfig, context: AppCiContext) {
  const entry = merged.config.contexts.find((c) => c.name === context.name);
  const cluster = merged.config.clusters.find(
    (c) => c.name === inner(entry, 'context').cluster,
  );
  const user = merged.config.users.find((u) => u.name === context.userEntry);
  return { entry, cluster, user };
}

/**
 * app.ci's connections opened ahead: the first step of a command that proves its token at once (whoami,
 * doctor, login) reads the kubeconfig and opens the proof's TCP connections before its settings are
 * checked and its other modules load, so that their round trip overlaps that work; a pull whose proof
 * went stale opens them while the kube client loads (appci.ts). This module is in qci's start-up bundle
 * for that reason: it needs neither the app.ci client nor zod.
 */
import { tokenFacts } from '../core/token.js';
import {
  entriesOf,
  findAppCiContext,
  inner,
  type AppCiContext,
} from './context.js';
import {
  mergeKubeconfigs,
  readKubeconfigs,
  type MergedKubeconfig,
  type ReadKubeconfigs,
} from './kubeconfig.js';

type Env = Record<string, string | undefined>;

/**
 * TCP connections opened to the API server as soon as the kubeconfig names it, before the kube client
 * has loaded (~40 ms): the connection's round trip overlaps that work, and the keep-alive agent starts
 * its TLS handshakes on them (each is used once, by the agent's next new connection). Not for a cluster
 * reached through a proxy. Left unused, they are closed once the requests are answered.
 */
const preconnected = new Map<string, import('node:net').Socket[]>();

/**
 * appci.ts's keep-alive agents, one per TLS identity (CA, client certificate, verification) for the
 * whole process. client-node makes a new agent, so a new TCP and TLS handshake, for every request;
 * requests sent together or one after another share connections instead (2 round trips saved per
 * request far away). Once there is one, nothing is opened ahead: later requests reuse its connections.
 */
export const agents = new Map<string, unknown>();

/** An IPv6 literal as net.connect takes it (URL and request options keep its brackets). */
const bare = (host: string) => host.replace(/^\[(.*)\]$/, '$1');
const endpoint = (host: string, port: number | string) =>
  `${bare(host)}:${port}`;

async function preconnect(server: string, count: number): Promise<void> {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return;
  }
  const host = bare(url.hostname);
  const port = Number(url.port || 443);
  // Only the first time: later requests reuse the kept-alive connections of the earlier ones (or of warmAppCi()).
  if (
    url.protocol !== 'https:' ||
    count <= 0 ||
    agents.size > 0 ||
    preconnected.has(endpoint(host, port))
  )
    return;
  const { connect } = await import('node:net');
  const sockets = Array.from({ length: count }, () => {
    const socket = connect({ host, port });
    socket.on('error', () => {}); // the request that takes it meets the error; unused, it does not matter
    socket.unref(); // never what keeps qci running
    return socket;
  });
  preconnected.set(endpoint(host, port), sockets);
  // net.connect calls connect(2) on the next tick, which waits for the promise chain (the kube client's
  // load included) unless the event loop turns once now.
  await new Promise((resolve) => setImmediate(resolve));
}

export function closePreconnected(): void {
  for (const sockets of preconnected.values())
    for (const socket of sockets.splice(0)) socket.destroy();
}

/** Makes `agent` start its next new connections on the sockets opened ahead (if any, to that server). */
export function usePreconnected(agent: import('node:https').Agent): void {
  const open = (
    agent as unknown as {
      createConnection: (
        options: Record<string, unknown>,
        cb: unknown,
      ) => unknown;
    }
  ).createConnection;
  Object.assign(agent, {
    createConnection(
      this: unknown,
      options: Record<string, unknown>,
      callback: unknown,
    ) {
      const host = String(options.host ?? options.hostname ?? '');
      const socket = preconnected
        .get(endpoint(host, String(options.port ?? 443)))
        ?.shift();
      if (socket && !socket.destroyed) socket.ref();
      return open.call(
        this,
        socket && !socket.destroyed ? { ...options, socket } : options,
        callback,
      );
    },
  });
}

/** How many requests prove() sends for `token` (so many connections at once). */
function requestsToProve(token: string): number {
  const kind = tokenFacts(token).kind;
  return 1 + (kind === 'oauth' ? 1 : 0) + (kind === 'service-account' ? 0 : 1);
}

/** Opens the proof's connections (preconnect), unless the context has no token or uses a proxy-url. */
export async function preconnectProof(
  merged: MergedKubeconfig,
  context: AppCiContext,
): Promise<void> {
  const { cluster } = entriesOf(merged, context);
  if (context.token && !inner(cluster, 'cluster')['proxy-url'])
    await preconnect(context.server, requestsToProve(context.token));
}

/** The kubeconfig files warmAppCi() read, for the next connect() with the same environment (once). */
let warmed: { env: Env; read: ReadKubeconfigs } | undefined;

export function takeWarmed(env: Env): ReadKubeconfigs | undefined {
  const read = warmed?.env === env ? warmed.read : undefined;
  warmed = undefined;
  return read;
}

/**
 * Reads the kubeconfig and opens the proof's connections to the app.ci context's server; the next
 * connect() takes the files as read and checks them. The files are not checked here (zod is not
 * loaded yet): whatever is wrong with them, or with `context`, is connect()'s to report, as it would be
 * without this. Never fails.
 */
export async function warmAppCi(options: {
  env: Env;
  context?: { name: string; source: string };
}): Promise<void> {
  warmed = undefined;
  try {
    const read = await readKubeconfigs(options.env);
    warmed = { env: options.env, read };
    const merged = mergeKubeconfigs(read);
    await preconnectProof(merged, findAppCiContext(merged, options.context));
  } catch {
    // connect() meets it again and says what it is
  }
}

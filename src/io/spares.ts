/**
 * Connections opened ahead of their requests (KeepAliveAgents#preconnect in src/io/http.ts): kept
 * by the name the agent gives their server, handed to the first requests there, bounded until then;
 * and, where asked, HTTP/2 offered on the first of them. Loaded by the first preconnect only.
 */
import type { Agent } from 'node:http';
import type { ClientHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export type AgentOptions = Record<string, unknown> & { _agentKey?: string };
export type Connect = (
  options: AgentOptions,
  cb?: unknown,
) => Socket | undefined;

/** By the agent's name for the server (Agent#getName); until a request takes one, a stalled handshake fails. */
export class Spares {
  private readonly lists = new Map<string, Socket[]>();
  private readonly unbound = new WeakMap<Socket, () => void>();

  /** One for a request to `name`, no longer bounded, or undefined. */
  take(name: string | undefined): Socket | undefined {
    const list = name ? this.lists.get(name) : undefined;
    for (let s = list?.shift(); s; s = list?.shift())
      if (!s.destroyed) {
        this.release(s);
        return s;
      }
    return undefined;
  }

  /** How many more `name` may have under `max`. */
  room(name: string, max: number): number {
    return Math.max(0, max - (this.lists.get(name)?.length ?? 0));
  }

  add(name: string, socket: Socket, idleMs: number): void {
    socket.on('error', () => undefined); // the request that takes it sees its own failure
    const stall = () =>
      socket.destroy(
        Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }),
      );
    socket.setTimeout(idleMs, stall);
    this.unbound.set(socket, () => {
      socket.off('timeout', stall);
      socket.setTimeout(0);
    });
    const list = this.lists.get(name) ?? [];
    list.push(socket);
    this.lists.set(name, list);
  }

  /** Unbounds `socket` (now a request's or a session's). */
  release(socket: Socket): void {
    this.unbound.get(socket)?.();
  }

  /** Closes every spare of `name` but `keep`, which leaves the list. */
  closeAllBut(name: string, keep: Socket): void {
    for (const s of this.lists.get(name)?.splice(0) ?? [])
      if (s !== keep) s.destroy();
  }

  destroy(): void {
    for (const list of this.lists.values()) for (const s of list) s.destroy();
    this.lists.clear();
  }
}

/** The spares and, per origin offered HTTP/2, what its first connection chose. */
export class Ahead {
  readonly spares = new Spares();
  // The decision (a session, or null for HTTP/1.1), and what it was.
  private readonly sessions = new Map<
    string,
    Promise<ClientHttp2Session | null>
  >();
  private readonly chosen = new Map<string, 'h2' | 'http/1.1'>();
  private readonly live = new Set<ClientHttp2Session>();

  constructor(private readonly maxSockets: number) {}

  /**
   * Opens `n` connections to `url`'s server through the agent's own `create`, as Agent#createSocket
   * would (the same name, so requests take them). With `h2` the first alone offers HTTP/2 (the others
   * offer only HTTP/1.1, so a request can never take one that agreed on h2): if the server takes it,
   * the others close and requests become streams on it.
   */
  async open(
    url: URL,
    n: number,
    how: {
      agent: Agent;
      create: Connect;
      target: AgentOptions;
      ca: readonly string[] | undefined;
      h2: boolean;
      idleMs: number;
    },
  ): Promise<void> {
    const origin = url.origin;
    if (this.chosen.get(origin) === 'h2') return; // one connection carries it all
    const h2 = how.h2 && url.protocol === 'https:';
    // Loaded before any connection opens, so that no handshake ends before it is listened to.
    const [{ decideByAlpn }, { name, connectOptions }] = await Promise.all([
      import('./http2.js'),
      connectionOptions(how.agent, url, how.target, how.ca),
    ]);
    if (this.chosen.get(origin) === 'h2') return;
    const room = this.spares.room(name, this.maxSockets);
    for (let i = 0; i < Math.min(n, room); i++) {
      const decides = h2 && !this.sessions.has(origin);
      const alpn = decides ? ['h2', 'http/1.1'] : ['http/1.1'];
      const socket = how.create.call(how.agent, {
        ...connectOptions,
        ...(h2 ? { ALPNProtocols: alpn } : {}),
      });
      if (!socket) break;
      this.spares.add(name, socket, how.idleMs);
      if (!decides) continue;
      const decision = decideByAlpn(socket as TLSSocket, origin, {
        chose: (protocol, session) => {
          this.chosen.set(origin, protocol);
          if (protocol === 'h2') {
            this.spares.release(socket); // the session's now
            this.spares.closeAllBut(name, socket);
          }
          if (session) this.live.add(session);
        },
      });
      this.sessions.set(origin, decision);
    }
  }

  /** The HTTP/2 session for `url`'s origin, once its first connection says (null: HTTP/1.1). */
  sessionFor(url: URL): Promise<ClientHttp2Session | null> | undefined {
    const decided = this.sessions.get(url.origin);
    if (!decided) return undefined;
    // A session that ended (GOAWAY, a reset) leaves the origin to HTTP/1.1 connections of its own.
    return decided.then((s) => (s && !s.closed && !s.destroyed ? s : null));
  }

  protocolOf(url: URL): 'h2' | 'http/1.1' | undefined {
    return this.chosen.get(url.origin);
  }

  destroy(): void {
    this.spares.destroy();
    for (const session of this.live) session.destroy();
    this.live.clear();
    this.sessions.clear();
  }
}

/** The options a connection to `url` gets from `agent`, as Agent#createSocket composes them, and its name. */
async function connectionOptions(
  agent: Agent,
  url: URL,
  target: AgentOptions,
  ca: readonly string[] | undefined,
): Promise<{ name: string; connectOptions: AgentOptions }> {
  const own = agent as unknown as {
    options: AgentOptions;
    getName(o: AgentOptions): string;
  };
  const connectOptions: AgentOptions = {
    ...target,
    ...own.options,
    encoding: null,
  };
  const name = own.getName(connectOptions);
  connectOptions._agentKey = name;
  if (url.protocol === 'https:') {
    // One TLS context for all of them (tls.connect makes one per connection otherwise: CA list and all).
    const { createSecureContext } = await import('node:tls');
    connectOptions.secureContext = createSecureContext(
      ca ? { ca: [...ca] } : {},
    );
  }
  return { name, connectOptions };
}

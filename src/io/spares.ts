/**
 * Connections opened ahead of their requests (KeepAliveAgents#preconnect in src/io/http.ts): kept
 * by the name the agent gives their server, handed to the first requests there, bounded until then.
 */
import type { Socket } from 'node:net';

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

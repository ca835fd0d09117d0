/** What the heartbeat needs of a socket (a `ws` WebSocket, or a fake in unit tests). */
export interface HeartbeatSocket {
  ping(): void;
  terminate(): void;
}

/**
 * Pings every socket once per `intervalMs` and terminates one that did not answer the previous
 * ping (a laptop lid closed, a NAT dropped the flow), freeing its slot in the per-user cap.
 *
 * Why slices: pinging all sockets in one tick is one burst of N writes on the event loop; at
 * 10,000 sockets a progress event arriving meanwhile waited for all of them. The sockets are
 * spread over `slices` groups and one group is handled every `intervalMs / slices`, so each
 * socket still has exactly `intervalMs` between its pings, and no tick writes more than N / slices.
 */
export class Heartbeat<S extends HeartbeatSocket> {
  private readonly groups: Array<Set<S>>;
  private readonly alive = new Map<S, boolean>();
  private readonly groupOf = new Map<S, Set<S>>();
  private next = 0;
  private added = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number, slices = 10) {
    this.groups = Array.from({ length: Math.max(1, slices) }, () => new Set<S>());
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(intervalMs / this.groups.length)));
    this.timer.unref();
  }

  add(socket: S): void {
    const group = this.groups[this.added++ % this.groups.length]!;
    group.add(socket);
    this.groupOf.set(socket, group);
    this.alive.set(socket, true);
  }

  /** A pong (or any sign of life) from the socket. */
  pong(socket: S): void {
    if (this.alive.has(socket)) this.alive.set(socket, true);
  }

  remove(socket: S): void {
    this.groupOf.get(socket)?.delete(socket);
    this.groupOf.delete(socket);
    this.alive.delete(socket);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const group = this.groups[this.next]!;
    this.next = (this.next + 1) % this.groups.length;
    for (const socket of group) {
      if (this.alive.get(socket) === false) {
        this.remove(socket);
        socket.terminate();
        continue;
      }
      this.alive.set(socket, false);
      socket.ping();
    }
  }
}

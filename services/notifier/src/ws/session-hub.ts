import type { Logger } from 'pino';
import type { SyncProgress } from '@canvas-sync/shared';
import { toProgressFrame, type ProgressFrame } from './frames.js';

/** A socket as the hub sees it: it belongs to one user and takes progress frames. */
export interface Subscriber {
  deliver(frame: ProgressFrame): void;
  /** Adds to `into` each sync it watches that has not finished, with the seq it has sent (lowest wins). */
  collectUnfinished(into: Map<string, number>): void;
}

/** Figures for `/metrics`. */
export interface HubStats {
  events: number;
  connections: number;
  users: number;
}

/**
 * Routes progress events to the sockets of the event's user. Each socket then decides whether the
 * sync is one it watches and whether the frame is newer than what it has sent (see SocketSession).
 */
export class SessionHub {
  private readonly byUser = new Map<string, Set<Subscriber>>();
  private connections = 0;
  private events = 0;

  constructor(
    private readonly maxPerUser: number,
    private readonly etaFor: (event: SyncProgress) => Promise<number | null>,
    private readonly logger: Logger,
  ) {}

  /** Adds an authenticated socket; false when the user already has the most allowed. */
  register(userId: string, subscriber: Subscriber): boolean {
    let set = this.byUser.get(userId);
    if (!set) {
      set = new Set();
      this.byUser.set(userId, set);
    }
    if (set.size >= this.maxPerUser) return false;
    set.add(subscriber);
    this.connections += 1;
    return true;
  }

  unregister(userId: string, subscriber: Subscriber): void {
    const set = this.byUser.get(userId);
    if (!set?.delete(subscriber)) return;
    this.connections -= 1;
    if (set.size === 0) this.byUser.delete(userId);
  }

  /** Fans one event out to the user's sockets. Called serially by the feed, in stream order. */
  async publish(event: SyncProgress): Promise<void> {
    this.events += 1;
    const set = this.byUser.get(event.userId);
    if (!set || set.size === 0) return;
    const frame = toProgressFrame(event);
    try {
      frame.etaSeconds = await this.etaFor(event);
    } catch (err) {
      // The event is worth more than its ETA: send it with the writer's estimate.
      this.logger.warn({ err, syncId: event.syncId }, 'eta history unavailable');
    }
    for (const subscriber of this.byUser.get(event.userId) ?? []) subscriber.deliver(frame);
  }

  /**
   * The unfinished syncs some socket watches, each with the lowest seq sent for it: what the
   * reconciler re-reads, so a socket never waits forever on an event that was lost.
   */
  unfinished(): Map<string, number> {
    const out = new Map<string, number>();
    for (const set of this.byUser.values()) for (const subscriber of set) subscriber.collectUnfinished(out);
    return out;
  }

  stats(): HubStats {
    return { events: this.events, connections: this.connections, users: this.byUser.size };
  }
}

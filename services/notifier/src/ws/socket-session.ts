import type { SyncView } from '@canvas-sync/shared';
import type { VerifyUserToken } from '../auth/user-token.verifier.js';
import { isTerminal, parseClientFrame, type FrameErrorCode, type ProgressFrame, type ServerFrame } from './frames.js';
import type { Subscriber } from './session-hub.js';

/** Close codes of the protocol (DESIGN.md; 4429 is ours, for the per-user connection cap). */
export const CLOSE = { unauthenticated: 4401, tooManyConnections: 4429, policy: 1008, tooBig: 1009, goingAway: 1001, tryAgainLater: 1013 } as const;

/** What a session needs; the route wires these to the socket, the hub and Postgres. */
export interface SessionDeps {
  verify: VerifyUserToken;
  views: { one(userId: string, syncId: string): Promise<SyncView | undefined>; all(userId: string): Promise<SyncView[]> };
  register(userId: string, subscriber: Subscriber): boolean;
  unregister(userId: string, subscriber: Subscriber): void;
  send(frame: ServerFrame): void;
  close(code: number, reason: string): void;
  authTimeoutMs: number;
  logger: SessionLogger;
  /** The auth phase is over (the token was checked, whatever the outcome). */
  onAuthChecked?(): void;
}

/** The two log levels a session uses (pino and fastify's logger both fit). */
export interface SessionLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Per sync: the seq already sent, or a snapshot being read (keeping the newest frame that came meanwhile). */
type SyncState = { live: true; seq: number; done: boolean } | { live: false; pending: ProgressFrame | undefined };

const MAX_WATCHED = 200;
/** setTimeout's largest delay; a later expiry is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_UNKNOWN = 1_000;

/**
 * The protocol of one socket: auth within the deadline, then subscribe to one sync or all of the
 * user's, a snapshot per sync, then progress frames whose seq is above the snapshot's. Frames are
 * handled one at a time in arrival order, so a `subscribe` sent right after `auth` waits for it.
 */
export class SocketSession implements Subscriber {
  private userId: string | undefined;
  private closed = false;
  private subscribedAll = false;
  /** While the list of a subscribe-all is read: the newest frame per sync not yet known. */
  private listing: Map<string, ProgressFrame> | undefined;
  private readonly syncs = new Map<string, SyncState>();
  /** Syncs seen on the stream that are not this user's (never looked up twice). */
  private readonly unknown = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private readonly authTimer: NodeJS.Timeout;
  /** Closes the socket when its token expires: a socket is never worth more than its token. */
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: SessionDeps) {
    this.authTimer = setTimeout(() => this.close(CLOSE.unauthenticated, 'authentication timeout'), deps.authTimeoutMs);
  }

  /** One text frame from the client. */
  receive(text: string): void {
    this.chain = this.chain.then(() => this.handle(text)).catch((err: unknown) => {
      this.deps.logger.error({ err }, 'ws frame handling failed');
      this.error('internal', 'Something went wrong on our side.');
    });
  }

  /** A progress frame of one of this user's syncs (from the hub). */
  deliver(frame: ProgressFrame): void {
    if (this.closed) return;
    const state = this.syncs.get(frame.syncId);
    if (!state) {
      if (this.listing) {
        const seen = this.listing.get(frame.syncId);
        if (!seen || frame.seq > seen.seq) this.listing.set(frame.syncId, frame);
      } else if (this.subscribedAll && !this.unknown.has(frame.syncId)) {
        this.watch(frame.syncId, frame, false).catch((err: unknown) => {
          this.syncs.delete(frame.syncId);
          this.deps.logger.warn({ err, syncId: frame.syncId }, 'snapshot read failed');
        });
      }
      return;
    }
    if (!state.live) {
      if (!state.pending || frame.seq > state.pending.seq) state.pending = frame;
      return;
    }
    // seq rises per sync: an older or repeated frame (a redelivery, a late replica) is dropped.
    if (frame.seq <= state.seq) return;
    state.seq = frame.seq;
    state.done = isTerminal(frame.status);
    this.deps.send(frame);
  }

  collectUnfinished(into: Map<string, number>): void {
    if (this.closed) return;
    for (const [syncId, state] of this.syncs) {
      if (!state.live || state.done) continue;
      const seen = into.get(syncId);
      if (seen === undefined || state.seq < seen) into.set(syncId, state.seq);
    }
  }

  /** The socket closed: forget it everywhere. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.authTimer);
    clearTimeout(this.expiryTimer);
    if (this.userId) this.deps.unregister(this.userId, this);
  }

  private async handle(text: string): Promise<void> {
    if (this.closed) return;
    const parsed = parseClientFrame(text);
    if (!parsed.ok) return this.error(parsed.code, parsed.message);
    const frame = parsed.frame;
    if (frame.type === 'auth') return this.authenticate(frame.token);
    if (!this.userId) return this.error('unauthenticated', 'Send {"type":"auth","token":"<JWT>"} first.');
    if (frame.syncId) return this.watch(frame.syncId, undefined, true);
    return this.subscribeAll();
  }

  private async authenticate(token: string): Promise<void> {
    if (this.userId) return this.error('bad_frame', 'Already authenticated.');
    const verified = await this.deps.verify(token);
    this.deps.onAuthChecked?.();
    if (this.closed) return;
    if (!verified) return this.close(CLOSE.unauthenticated, 'invalid token');
    // Accepted within the verifier's clock skew but already past exp: no socket for it.
    if (verified.expiresAt <= Date.now()) return this.close(CLOSE.unauthenticated, 'token expired');
    const { userId } = verified;
    clearTimeout(this.authTimer);
    if (!this.deps.register(userId, this)) return this.close(CLOSE.tooManyConnections, 'too many connections for this user');
    this.userId = userId;
    this.closeAtExpiry(verified.expiresAt);
    this.deps.send({ type: 'ready', userId });
  }

  /** 4401 at `exp`, as for a bad token: clients (the panel) reconnect with a fresh one (DESIGN.md). */
  private closeAtExpiry(expiresAt: number): void {
    const wait = expiresAt - Date.now();
    if (wait <= 0) return this.close(CLOSE.unauthenticated, 'token expired');
    this.expiryTimer = setTimeout(() => this.closeAtExpiry(expiresAt), Math.min(wait, MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  private async subscribeAll(): Promise<void> {
    const userId = this.userId!;
    if (this.subscribedAll) return;
    this.subscribedAll = true;
    // Frames of syncs not yet known that arrive while the list is read wait here, so none slips
    // between the read and the snapshots; known ones go on as usual.
    this.listing = new Map();
    let views: SyncView[];
    try {
      views = await this.deps.views.all(userId);
    } catch (err) {
      this.subscribedAll = false;
      throw err;
    } finally {
      const waiting = this.listing;
      this.listing = undefined;
      queueMicrotask(() => {
        for (const frame of waiting.values()) this.deliver(frame);
      });
    }
    if (this.closed) return;
    for (const view of views) {
      const state = this.syncs.get(view.id);
      if (!state || state.live) this.snapshot(view);
    }
  }

  /**
   * Starts watching a sync: reads its snapshot (scoped by user), sends it, then the newest frame
   * that arrived meanwhile if it is newer. `explicit` answers an unknown id with not_found.
   */
  private async watch(syncId: string, first: ProgressFrame | undefined, explicit: boolean): Promise<void> {
    if (this.syncs.size >= MAX_WATCHED && !this.syncs.has(syncId)) {
      this.evictFinished();
      if (this.syncs.size >= MAX_WATCHED) return explicit ? this.error('bad_frame', 'Too many syncs watched on one socket.', syncId) : undefined;
    }
    const current = this.syncs.get(syncId);
    if (current && !current.live) return; // a snapshot is already on its way
    this.syncs.set(syncId, { live: false, pending: first });
    const view = await this.deps.views.one(this.userId!, syncId);
    if (this.closed) return;
    if (!view) {
      this.syncs.delete(syncId);
      if (explicit) return this.error('not_found', 'No such sync.', syncId);
      if (this.unknown.size >= MAX_UNKNOWN) this.unknown.clear();
      this.unknown.add(syncId);
      return;
    }
    this.snapshot(view);
  }

  private snapshot(view: SyncView): void {
    const state = this.syncs.get(view.id);
    const pending = state && !state.live ? state.pending : undefined;
    this.syncs.set(view.id, { live: true, seq: view.seq, done: isTerminal(view.status) });
    this.deps.send({ type: 'snapshot', sync: view });
    if (pending) this.deliver(pending);
  }

  /** Finished syncs need no more frames; drop them first when a socket watches too many. */
  private evictFinished(): void {
    for (const [id, state] of this.syncs) if (state.live && state.done) this.syncs.delete(id);
  }

  private error(code: FrameErrorCode, message: string, syncId?: string): void {
    if (this.closed) return;
    this.deps.send(syncId ? { type: 'error', code, message, syncId } : { type: 'error', code, message });
  }

  private close(code: number, reason: string): void {
    if (this.closed) return;
    this.deps.close(code, reason);
    this.dispose();
  }
}

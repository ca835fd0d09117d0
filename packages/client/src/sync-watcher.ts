import { Backoff, type BackoffOptions } from './backoff.js';
import { CanvasSyncError } from './errors.js';
import { SyncTracker, type SyncChange } from './sync-tracker.js';
import { jwtExpiresAt, type TokenSource } from './token-source.js';
import { isTerminal, type ProgressFrame, type SyncPage, type SyncView } from './types.js';
import { emitChange, type ConnectionState, type Milestone, type WatchHandlers } from './watch-events.js';
import { WS_OPEN, type WebSocketConstructorLike, type WebSocketLike } from './websocket-like.js';

/** A running watch: stop it with `close()`. */
export interface SyncWatch {
  readonly state: ConnectionState;
  /** The newest view of a sync this watch holds. */
  get(syncId: string): SyncView | undefined;
  /** Also watch this sync (subscribed on the socket, polled while it is down). */
  follow(syncId: string): void;
  close(): void;
}

/** What a watch needs from the client; tests hand in fakes. */
export interface WatcherDeps {
  tokens: TokenSource;
  /** The notifier's `/ws` URL and the poll interval (`null` URL = poll only). */
  resolve(): Promise<{ notifierUrl: string | null; pollIntervalMs: number }>;
  WebSocket: WebSocketConstructorLike | undefined;
  getSync(id: string): Promise<SyncView>;
  listSyncs(): Promise<SyncPage>;
  backoff?: BackoffOptions;
  /** A socket that is not `ready` by then is given up (default 10 s). */
  connectTimeoutMs?: number;
}

/** One socket: `retired` once replaced (a token renewal) so its close is not a disconnect. */
interface Link {
  socket: WebSocketLike;
  token: string;
  ready: boolean;
  retired: boolean;
  timer: ReturnType<typeof setTimeout>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const MIN_RENEW_MS = 1_000;

/**
 * Live progress of one sync (`syncId`) or of all the user's syncs (`null`), over the notifier's
 * WebSocket with polling while it is down. Protocol: DESIGN.md / README "WebSocket". A socket
 * authenticates once, so a token is renewed by opening a new socket before the old one's token
 * expires and closing the old one once the new one is ready; frames from both go through one
 * {@link SyncTracker}, which drops what is stale or repeated.
 */
export class SyncWatcher implements SyncWatch {
  state: ConnectionState = 'connecting';
  private readonly tracker = new SyncTracker();
  private readonly announced = new Map<string, Set<Milestone>>();
  private readonly followed = new Set<string>();
  private readonly fetching = new Set<string>();
  private readonly backoff: Backoff;
  private link: Link | undefined;
  private candidate: Link | undefined;
  private url: string | null | undefined;
  private pollMs = 2_000;
  private refusals = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly deps: WatcherDeps,
    private readonly syncId: string | null,
    private readonly handlers: WatchHandlers,
    private readonly stopOnTerminal: boolean,
  ) {
    this.backoff = new Backoff(deps.backoff);
    if (syncId) this.followed.add(syncId);
    void this.connect();
  }

  /** A method, not a comparison: TypeScript narrows `state` and forgets that awaits change it. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  get(syncId: string): SyncView | undefined {
    return this.tracker.get(syncId);
  }

  follow(syncId: string): void {
    if (this.isClosed() || this.followed.has(syncId)) return;
    this.followed.add(syncId);
    if (this.link?.ready) this.send(this.link, { type: 'subscribe', syncId });
    if (this.state === 'polling') this.schedulePoll(0);
  }

  close(): void {
    if (this.isClosed()) return;
    for (const timer of [this.retryTimer, this.pollTimer, this.renewTimer]) clearTimeout(timer);
    for (const link of [this.link, this.candidate]) if (link) this.retire(link, 'closed by the client');
    this.setState('closed');
  }

  // ── the socket ────────────────────────────────────────────────────────────────────────────

  private async connect(): Promise<void> {
    if (this.isClosed()) return;
    let token: string;
    try {
      if (this.url === undefined) {
        const resolved = await this.deps.resolve();
        this.url = resolved.notifierUrl;
        this.pollMs = resolved.pollIntervalMs;
      }
      if (this.isClosed()) return;
      if (this.url === null || !this.deps.WebSocket) return this.setState('polling');
      token = await this.deps.tokens.get();
    } catch (err) {
      if (err instanceof CanvasSyncError && err.code === 'unauthenticated') this.handlers.onError?.(err);
      return this.fallBack();
    }
    if (!this.isClosed()) this.link = this.open(this.url, token);
  }

  private open(url: string, token: string): Link {
    let socket: WebSocketLike;
    try {
      socket = new this.deps.WebSocket!(url);
    } catch {
      // A malformed URL throws at once: count it as a failed attempt.
      socket = { readyState: 3, send() {}, close() {}, onopen: null, onmessage: null, onclose: null, onerror: null };
      queueMicrotask(() => this.closed(link, 1006));
    }
    const link: Link = { socket, token, ready: false, retired: false, timer: setTimeout(() => !link.ready && socket.close(), this.deps.connectTimeoutMs ?? 10_000) };
    socket.onopen = () => this.send(link, { type: 'auth', token });
    socket.onmessage = (event: { data: unknown }) => this.received(link, event.data);
    socket.onclose = (event: { code?: number }) => this.closed(link, event.code ?? 1006);
    socket.onerror = () => undefined; // a close event follows every error
    return link;
  }

  private received(link: Link, data: unknown): void {
    if (link.retired || this.isClosed() || typeof data !== 'string') return;
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    if (frame.type === 'ready') this.ready(link);
    else if (frame.type === 'snapshot' && isView(frame.sync)) this.takeView(frame.sync);
    else if (frame.type === 'progress' && typeof frame.syncId === 'string' && typeof frame.seq === 'number') this.progress(frame as unknown as ProgressFrame);
    else if (frame.type === 'error') this.errorFrame(frame);
  }

  private ready(link: Link): void {
    clearTimeout(link.timer);
    link.ready = true;
    this.refusals = 0;
    this.backoff.reset();
    if (link === this.candidate) {
      // The renewed socket is up: the old one goes (its frames and the new snapshots dedupe by seq).
      if (this.link) this.retire(this.link, 'token renewed');
      this.link = link;
      this.candidate = undefined;
    }
    if (this.syncId === null) this.send(link, { type: 'subscribe' });
    for (const id of this.followed) this.send(link, { type: 'subscribe', syncId: id });
    this.setState('live');
    this.scheduleRenewal();
  }

  private closed(link: Link, code: number): void {
    clearTimeout(link.timer);
    if (link.retired || this.isClosed()) return;
    link.retired = true;
    if (link === this.candidate) {
      // A renewal that did not come up: the current socket stays; try again later.
      this.candidate = undefined;
      if (code === 4401) void this.deps.tokens.refresh(link.token).catch(() => undefined);
      return this.scheduleRenewal(this.backoff.next());
    }
    if (link !== this.link) return;
    this.link = undefined;
    clearTimeout(this.renewTimer);
    if (code !== 4401) return this.fallBack();
    // 4401: a bad or expired token. One fresh token is tried at once; refused again, the user is out.
    this.refusals += 1;
    if (this.refusals > 1) {
      this.handlers.onError?.(new CanvasSyncError(401, 'unauthenticated', 'The notifier refused a fresh token.'));
      return this.close();
    }
    this.setState('connecting');
    this.deps.tokens.refresh(link.token).then(
      () => this.connect(),
      (err: unknown) => {
        if (err instanceof CanvasSyncError) this.handlers.onError?.(err);
        this.fallBack();
      },
    );
  }

  private fallBack(): void {
    if (this.isClosed()) return;
    this.setState('polling');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.backoff.next());
  }

  /**
   * Before the socket's token is due, a new socket with a new token (the notifier closes the old one
   * at `exp`). Timed by the token the socket authenticated with, not the token source's current one:
   * requests and other watches share the source, and a newer token there means this socket is due now.
   */
  private scheduleRenewal(after?: number): void {
    clearTimeout(this.renewTimer);
    const token = this.link?.token;
    const due = token === undefined ? undefined : this.deps.tokens.dueAt(token);
    if (token === undefined || (due === undefined && after === undefined)) return;
    // At least a second between renewals (no loop of sockets for a provider of very short tokens),
    // but never so late that the token expires first: a socket that came up with a token already
    // due (a reconnect on the cached token) renews within half of the life it has left.
    const left = (jwtExpiresAt(token) ?? Number.POSITIVE_INFINITY) - Date.now();
    const wait = Math.max(Math.min(MIN_RENEW_MS, Math.max(0, left / 2)), after ?? due! - Date.now());
    this.renewTimer = setTimeout(() => void this.renew(), Math.min(wait, MAX_TIMER_MS));
  }

  private async renew(): Promise<void> {
    const current = this.link;
    if (this.isClosed() || !current?.ready || this.candidate || !this.url) return;
    let token: string;
    try {
      // A token other than the socket's, even if the source would still hand that one out: timers run
      // on the event loop's clock, which can be a millisecond behind Date.now(), so the timer set for
      // the refresh time may fire just before the source counts the token as due.
      token = await this.deps.tokens.refresh(current.token);
    } catch {
      return this.scheduleRenewal(this.backoff.next());
    }
    // The provider gave the same token again: nothing to renew to; the notifier's 4401 at exp takes over.
    if (token === current.token || this.isClosed() || this.link !== current) return;
    this.candidate = this.open(this.url, token);
  }

  private retire(link: Link, reason: string): void {
    link.retired = true;
    clearTimeout(link.timer);
    try {
      link.socket.close(1000, reason);
    } catch {
      // Already closing.
    }
  }

  private send(link: Link, frame: object): void {
    if (link.socket.readyState === WS_OPEN) link.socket.send(JSON.stringify(frame));
  }

  // ── frames and polls ──────────────────────────────────────────────────────────────────────

  private progress(frame: ProgressFrame): void {
    const change = this.tracker.applyFrame(frame);
    if (change) return this.take(change, frame);
    // A sync not held yet (started elsewhere): read it whole once, then frames apply on top.
    const mine = this.syncId === null || this.followed.has(frame.syncId);
    if (!this.tracker.get(frame.syncId) && mine && !this.fetching.has(frame.syncId)) {
      this.fetching.add(frame.syncId);
      this.deps
        .getSync(frame.syncId)
        .then((view) => this.takeView(view), () => undefined)
        .finally(() => this.fetching.delete(frame.syncId));
    }
  }

  private errorFrame(frame: Record<string, unknown>): void {
    const code = typeof frame.code === 'string' ? frame.code : 'ws_error';
    const message = typeof frame.message === 'string' ? frame.message : 'The notifier reported an error.';
    const notFound = code === 'not_found' && frame.syncId !== undefined && frame.syncId === this.syncId;
    this.handlers.onError?.(new CanvasSyncError(notFound ? 404 : 0, code, message, frame));
    if (notFound) this.close();
  }

  /**
   * A full view. One at the seq already held is a repeat (a reconnect's snapshot, a poll between
   * frames): it only refines what is held (exact times, `diff`) and is not announced again.
   */
  private takeView(view: SyncView): void {
    const repeat = this.tracker.get(view.id)?.seq === view.seq;
    const change = this.tracker.applyView(view);
    if (!repeat) this.take(change, undefined);
  }

  private take(change: SyncChange | undefined, frame: ProgressFrame | undefined): void {
    if (!change || this.isClosed()) return;
    emitChange(this.handlers, change, frame, this.syncId !== null, this.announced);
    if (this.stopOnTerminal && change.view.id === this.syncId && isTerminal(change.view.status)) this.close();
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    if (state === 'polling') this.schedulePoll(0);
    else clearTimeout(this.pollTimer);
    this.handlers.onConnectionChange?.(state);
  }

  private schedulePoll(delay: number): void {
    clearTimeout(this.pollTimer);
    if (this.state === 'polling') this.pollTimer = setTimeout(() => void this.poll(), delay);
  }

  private async poll(): Promise<void> {
    try {
      if (this.syncId === null) {
        const page = await this.deps.listSyncs();
        // Oldest first, so a UI that shows "the latest" ends on the newest.
        for (const view of [...page.items].reverse()) this.takeView(view);
      }
      for (const id of this.followed) {
        const held = this.tracker.get(id);
        if (this.state !== 'polling' || (held && isTerminal(held.status) && id !== this.syncId)) continue;
        this.takeView(await this.deps.getSync(id));
      }
    } catch (err) {
      // Refused with a fresh token too (the transport retried once), or the sync is not the user's.
      if (err instanceof CanvasSyncError && (err.status === 401 || (err.status === 404 && this.syncId !== null))) {
        this.handlers.onError?.(err);
        return this.close();
      }
      // Anything else (network, 5xx): the next tick tries again; the caller keeps the last state.
    }
    const held = this.syncId ? this.tracker.get(this.syncId) : undefined;
    if (!(this.stopOnTerminal && held && isTerminal(held.status))) this.schedulePoll(this.pollMs);
  }
}

function isView(value: unknown): value is SyncView {
  const v = value as Partial<SyncView> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.seq === 'number' && typeof v.status === 'string';
}

import type { TokenSource } from './token-source.js';
import { isTerminal, type ProgressFrame, type SyncView } from './types.js';

export type LiveMode = 'connecting' | 'live' | 'polling';

export interface LiveHandlers {
  onSnapshot(view: SyncView): void;
  onProgress(frame: ProgressFrame): void;
  onMode(mode: LiveMode): void;
  onUnauthorized(): void;
}

export interface LiveOptions {
  /** The notifier's `/ws` URL; `null` when none is configured (then the panel only polls). */
  url: string | null;
  tokens: TokenSource;
  pollMs: number;
  fetchSync(id: string): Promise<SyncView>;
}

const CONNECT_TIMEOUT_MS = 5_000;
const MAX_RETRY_MS = 30_000;

/**
 * Live progress for the panel: the notifier's WebSocket when it connects (auth, subscribe to all
 * of the user's syncs), and otherwise polling `GET /api/v1/syncs/:id` of the watched sync every
 * `pollMs` while it is not finished. The socket is retried with backoff; once it is back, polling
 * stops. Ordering is left to the caller, which drops anything whose `seq` is not newer.
 */
export class LiveProgress {
  private socket: WebSocket | undefined;
  private mode: LiveMode = 'connecting';
  private watched: string | null = null;
  private pollTimer: number | undefined;
  private retryTimer: number | undefined;
  private retryMs = 1_000;
  private stopped = false;
  private renewTimer: number | undefined;
  /** A 4401 since the last `ready`: one fresh token is tried, a second refusal means signed out. */
  private refusedOnce = false;

  constructor(
    private readonly options: LiveOptions,
    private readonly handlers: LiveHandlers,
  ) {}

  start(): void {
    this.connect();
  }

  /** The sync the page shows; polled when the socket is down. */
  watch(syncId: string | null): void {
    this.watched = syncId;
    if (syncId && this.mode === 'live') this.socket?.send(JSON.stringify({ type: 'subscribe', syncId }));
    if (this.mode === 'polling') this.schedulePoll(0);
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.pollTimer);
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.renewTimer);
    this.socket?.close(1000);
  }

  private setMode(mode: LiveMode): void {
    if (this.mode === mode) return;
    this.mode = mode;
    this.handlers.onMode(mode);
    if (mode === 'polling') this.schedulePoll(0);
    else window.clearTimeout(this.pollTimer);
  }

  private connect(): void {
    if (this.stopped) return;
    if (!this.options.url) return this.setMode('polling');
    let ready = false;
    /** Closed on purpose to reconnect with a fresh token: no fallback, the mode stays as it is. */
    let renewing = false;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.options.url);
    } catch {
      return this.fallBack();
    }
    this.socket = socket;
    const timeout = window.setTimeout(() => {
      if (!ready) socket.close();
    }, CONNECT_TIMEOUT_MS);
    socket.onopen = () => {
      this.options.tokens.get().then(
        (token) => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ type: 'auth', token })),
        () => socket.close(4401),
      );
    };
    socket.onmessage = (event) => {
      let frame: { type?: string } & Record<string, unknown>;
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (frame.type === 'ready') {
        ready = true;
        window.clearTimeout(timeout);
        this.retryMs = 1_000;
        this.refusedOnce = false;
        socket.send(JSON.stringify({ type: 'subscribe' }));
        if (this.watched) socket.send(JSON.stringify({ type: 'subscribe', syncId: this.watched }));
        this.setMode('live');
        // The notifier closes a socket at its token's exp (4401): move to a fresh token just before.
        const renewAt = this.options.tokens.renewAt();
        window.clearTimeout(this.renewTimer);
        if (renewAt !== null) {
          this.renewTimer = window.setTimeout(() => {
            renewing = true;
            socket.close(1000, 'token renewal');
          }, Math.max(0, renewAt - Date.now()));
        }
      } else if (frame.type === 'snapshot') {
        this.handlers.onSnapshot(frame.sync as SyncView);
      } else if (frame.type === 'progress') {
        this.handlers.onProgress(frame as unknown as ProgressFrame);
      }
    };
    socket.onclose = (event) => {
      window.clearTimeout(timeout);
      if (this.socket === socket) this.socket = undefined;
      if (this.stopped) return;
      // The snapshot sent after the new subscribe covers whatever moved while no socket was open.
      if (renewing) return this.connect();
      if (event.code === 4401) {
        if (this.refusedOnce) return this.handlers.onUnauthorized();
        this.refusedOnce = true;
        this.options.tokens.refresh().then(() => this.connect(), () => this.handlers.onUnauthorized());
        return;
      }
      this.fallBack();
    };
  }

  private fallBack(): void {
    this.setMode('polling');
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => this.connect(), this.retryMs);
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
  }

  private schedulePoll(delay: number): void {
    window.clearTimeout(this.pollTimer);
    if (this.mode !== 'polling' || !this.watched || this.stopped) return;
    this.pollTimer = window.setTimeout(() => void this.poll(), delay);
  }

  private async poll(): Promise<void> {
    const id = this.watched;
    if (!id || this.mode !== 'polling') return;
    let terminal = false;
    try {
      const view = await this.options.fetchSync(id);
      this.handlers.onSnapshot(view);
      terminal = isTerminal(view.status);
    } catch {
      // A failed poll is retried at the next tick; the page keeps the last state it had.
    }
    if (!terminal && this.watched === id) this.schedulePoll(this.options.pollMs);
  }
}

import { CanvasSyncError } from './errors.js';
import { HttpTransport, type FetchLike } from './http-transport.js';
import type { BackoffOptions } from './backoff.js';
import { SyncWatcher, type SyncWatch } from './sync-watcher.js';
import { TokenSource, type TokenProvider } from './token-source.js';
import type {
  ChangePage,
  ClientConfig,
  Connection,
  ConnectionTestResult,
  ConnectOptions,
  CourseList,
  OAuthAuthorize,
  OAuthStartRequest,
  PutConnectionRequest,
  PutScheduleRequest,
  Schedule,
  StartSyncRequest,
  SyncAccepted,
  SyncPage,
  SyncView,
  TermList,
} from './types.js';
import type { WatchHandlers } from './watch-events.js';
import { globalWebSocket, type WebSocketConstructorLike } from './websocket-like.js';

export interface CanvasSyncClientOptions {
  /** The api's origin, e.g. `https://sync.example.edu`; `''` (the default) = the page's own origin. */
  baseUrl?: string;
  /** The user's JWT, minted by the host app: called at start, shortly before `exp`, and after a 401/4401. */
  getToken: TokenProvider;
  /** The notifier's WebSocket URL; by default the api's `GET /api/v1/config` says; `null` = poll only. */
  notifierUrl?: string | null;
  /** The WebSocket class; default `globalThis.WebSocket` (Node 20 has none: pass `WebSocket` from `ws`). */
  WebSocket?: WebSocketConstructorLike;
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** A new token is asked this long before `exp` (default 30 s; at most half the token's life). */
  tokenRefreshMarginMs?: number;
  /** How often a watch polls while the socket is down (default: the api's `pollIntervalMs`, else 2 s). */
  pollIntervalMs?: number;
  /** Reconnect back-off of watches (default 1 s doubling to 30 s, with jitter). */
  reconnect?: BackoffOptions;
  /** A request not answered (body included) within this is `CanvasSyncError` `timeout` (default 30 s). */
  requestTimeoutMs?: number;
}

export interface WatchOptions {
  /** `watchSync` closes itself once the sync completes, fails or is cancelled (default `true`). */
  stopOnTerminal?: boolean;
}

const path = (id: string) => `/api/v1/syncs/${encodeURIComponent(id)}`;

/** The canvas-sync api (README "HTTP API") and live progress (README "WebSocket"), typed. */
export class CanvasSyncClient {
  private readonly http: HttpTransport;
  private readonly tokens: TokenSource;
  private config: Promise<ClientConfig> | undefined;

  constructor(private readonly options: CanvasSyncClientOptions) {
    const fetchImpl = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
    this.tokens = new TokenSource(options.getToken, options.tokenRefreshMarginMs === undefined ? {} : { refreshMarginMs: options.tokenRefreshMarginMs });
    this.http = new HttpTransport((options.baseUrl ?? '').replace(/\/+$/, ''), this.tokens, fetchImpl, options.requestTimeoutMs);
  }

  /** `GET /api/v1/config` (no auth): the notifier's URL and the poll interval. Cached after success. */
  getConfig(): Promise<ClientConfig> {
    this.config ??= this.http.request<ClientConfig>('GET', '/api/v1/config', { auth: false });
    this.config.catch(() => (this.config = undefined));
    return this.config;
  }

  // ── connection ─────────────────────────────────────────────────────────────────────────────
  getConnection = (): Promise<Connection> => this.http.request('GET', '/api/v1/canvas/connection');
  putConnection = (body: PutConnectionRequest): Promise<void> => this.http.request('PUT', '/api/v1/canvas/connection', { body });
  testConnection = (): Promise<ConnectionTestResult> => this.http.request('POST', '/api/v1/canvas/connection/test', { body: {} });
  /** Cancels an active sync, revokes an OAuth grant, forgets the tokens; synced data stays. */
  deleteConnection = (): Promise<void> => this.http.request('DELETE', '/api/v1/canvas/connection');
  /** Erases the user's synced rows and sync history (`409 sync_in_progress` while a sync runs). */
  deleteData = (): Promise<void> => this.http.request('DELETE', '/api/v1/canvas/data');
  getOAuthOptions = (): Promise<ConnectOptions> => this.http.request('GET', '/api/v1/canvas/oauth/options');
  /** `{authorizeUrl}`: send the browser there (Canvas's consent page). */
  startOAuth = (body: OAuthStartRequest): Promise<OAuthAuthorize> => this.http.request('POST', '/api/v1/canvas/oauth/start', { body });

  // ── syncs ──────────────────────────────────────────────────────────────────────────────────
  /** `202 {id, status}`; `409 sync_in_progress` (its `body.syncId` names the active sync), `412 no_connection`. */
  startSync = (body: StartSyncRequest): Promise<SyncAccepted> => this.http.request('POST', '/api/v1/syncs', { body });
  listSyncs = (page: { limit?: number; cursor?: string | null } = {}): Promise<SyncPage> =>
    this.http.request('GET', '/api/v1/syncs', { query: { limit: page.limit, cursor: page.cursor ?? undefined } });
  getSync = (id: string): Promise<SyncView> => this.http.request('GET', path(id));
  cancelSync = (id: string): Promise<SyncView> => this.http.request('POST', `${path(id)}/cancel`, { body: {} });
  resumeSync = (id: string): Promise<SyncView> => this.http.request('POST', `${path(id)}/resume`, { body: {} });

  /** Every sync of the history, newest first, page by page. */
  async *iterateSyncs(pageSize = 50): AsyncGenerator<SyncView> {
    let cursor: string | null = null;
    do {
      const page: SyncPage = await this.listSyncs({ limit: pageSize, cursor });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  // ── synced data, schedule, changes ─────────────────────────────────────────────────────────
  listTerms = (): Promise<TermList> => this.http.request('GET', '/api/v1/canvas/terms');
  listCourses = (filter: { termId?: number } = {}): Promise<CourseList> => this.http.request('GET', '/api/v1/canvas/courses', { query: { termId: filter.termId } });
  getSchedule = (): Promise<Schedule> => this.http.request('GET', '/api/v1/schedule');
  putSchedule = (body: PutScheduleRequest): Promise<Schedule> => this.http.request('PUT', '/api/v1/schedule', { body });
  deleteSchedule = (): Promise<void> => this.http.request('DELETE', '/api/v1/schedule');
  /** One page of the change feed, in commit order; pass `nextCursor` back as `cursor`. */
  listChanges = (page: { cursor?: string | null; limit?: number } = {}): Promise<ChangePage> =>
    this.http.request('GET', '/api/v1/canvas/changes', { query: { cursor: page.cursor ?? undefined, limit: page.limit } });

  // ── live progress ──────────────────────────────────────────────────────────────────────────
  /** Watches one sync to its end (see {@link WatchHandlers}); `close()` the handle to stop earlier. */
  watchSync(syncId: string, handlers: WatchHandlers, options: WatchOptions = {}): SyncWatch {
    if (!syncId) throw new CanvasSyncError(0, 'validation_failed', 'watchSync needs a sync id.');
    return new SyncWatcher(this.watcherDeps(), syncId, handlers, options.stopOnTerminal ?? true);
  }

  /** Watches all the user's syncs: recent and active ones first, new ones as they start. */
  watchSyncs(handlers: WatchHandlers): SyncWatch {
    return new SyncWatcher(this.watcherDeps(), null, handlers, false);
  }

  private watcherDeps(): ConstructorParameters<typeof SyncWatcher>[0] {
    const { options } = this;
    return {
      tokens: this.tokens,
      resolve: async () => {
        const explicit = options.notifierUrl;
        const config = explicit !== undefined && options.pollIntervalMs !== undefined ? undefined : await this.getConfig();
        return { notifierUrl: explicit !== undefined ? explicit : config!.notifierUrl, pollIntervalMs: options.pollIntervalMs ?? config?.pollIntervalMs ?? 2_000 };
      },
      WebSocket: options.WebSocket ?? globalWebSocket(),
      getSync: this.getSync,
      listSyncs: () => this.listSyncs({ limit: 10 }),
      ...(options.reconnect ? { backoff: options.reconnect } : {}),
    };
  }
}

/** A client of the canvas-sync api at `options.baseUrl`. */
export function createCanvasSyncClient(options: CanvasSyncClientOptions): CanvasSyncClient {
  return new CanvasSyncClient(options);
}

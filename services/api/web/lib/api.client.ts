import type { TokenSource } from './token-source.js';
import type { Scope, SyncStatus, SyncView } from './types.js';

/** An HTTP error with the api's stable `{error:{code,message}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface PanelConfig {
  notifierUrl: string | null;
  pollIntervalMs: number;
}
export interface Term {
  id: number;
  name: string | null;
}
export interface Course {
  id: number;
  name: string | null;
  courseCode: string | null;
  termId: number | null;
}
export interface Connection {
  baseUrl: string | null;
  connected: boolean;
  canvasUser?: { id: number; name: string };
  /** How the user connected (older apis leave these out: read as a pasted token that works). */
  authType?: 'oauth' | 'token';
  status?: 'ok' | 'reauth_required';
}
/** Which Canvas hosts have a developer key here, and whether pasted tokens are accepted. */
export interface ConnectOptions {
  hosts: string[];
  personalTokens: 'allow' | 'deny';
}
export type ConnectionTest = { ok: true; user: { id: number; name: string } } | { ok: false; error: { code: string; message: string } };
export interface StartRequest {
  scope: Scope;
  mode: 'full' | 'incremental';
  dryRun: boolean;
  chunkSize: number;
}

/**
 * The api as the panel uses it (DESIGN.md, "HTTP API"), with the user's bearer token. `baseUrl` is
 * the api's origin ('' on the api's own page); a 401 asks the host for a fresh token and retries once,
 * so a token that expired between two clicks is replaced without the user noticing.
 */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly tokens: TokenSource,
  ) {}

  config = () => this.call<PanelConfig>('GET', '/api/v1/config', undefined, false);
  connection = () => this.call<Connection>('GET', '/api/v1/canvas/connection');
  saveConnection = (baseUrl: string, accessToken: string) => this.call<void>('PUT', '/api/v1/canvas/connection', { baseUrl, accessToken });
  disconnect = () => this.call<void>('DELETE', '/api/v1/canvas/connection');
  deleteData = () => this.call<void>('DELETE', '/api/v1/canvas/data');
  connectOptions = () => this.call<ConnectOptions>('GET', '/api/v1/canvas/oauth/options');
  oauthStart = (baseUrl: string, returnTo: string) => this.call<{ authorizeUrl: string }>('POST', '/api/v1/canvas/oauth/start', { baseUrl, returnTo });
  testConnection = () => this.call<ConnectionTest>('POST', '/api/v1/canvas/connection/test', {});
  terms = () => this.call<{ items: Term[] }>('GET', '/api/v1/canvas/terms');
  courses = (termId?: number) => this.call<{ items: Course[] }>('GET', `/api/v1/canvas/courses${termId === undefined ? '' : `?termId=${termId}`}`);
  start = (body: StartRequest) => this.call<{ id: string; status: SyncStatus }>('POST', '/api/v1/syncs', body);
  sync = (id: string) => this.call<SyncView>('GET', `/api/v1/syncs/${encodeURIComponent(id)}`);
  history = (cursor?: string) => this.call<{ items: SyncView[]; nextCursor: string | null }>('GET', `/api/v1/syncs?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  cancel = (id: string) => this.call<unknown>('POST', `/api/v1/syncs/${encodeURIComponent(id)}/cancel`, {});
  resume = (id: string) => this.call<unknown>('POST', `/api/v1/syncs/${encodeURIComponent(id)}/resume`, {});

  private async call<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    let res = await this.send(method, path, body, auth ? await this.token(() => this.tokens.get()) : null);
    if (res.status === 401 && auth) res = await this.send(method, path, body, await this.token(() => this.tokens.refresh()));
    if (res.status === 204) return undefined as T;
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      const error = (json.error ?? {}) as { code?: string; message?: string };
      throw new ApiError(res.status, error.code ?? `http_${res.status}`, error.message ?? `The server answered ${res.status}.`, json);
    }
    return json as T;
  }

  /** The host's tokenProvider failing is a sign-in problem, reported like a refused token. */
  private async token(ask: () => Promise<string>): Promise<string> {
    try {
      return await ask();
    } catch {
      throw new ApiError(401, 'token_unavailable', 'The app could not give the sign-in token.');
    }
  }

  private async send(method: string, path: string, body: unknown, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      // No cookies: the bearer token is the only credential, on the api's origin or another one.
      return await fetch(this.baseUrl + path, { method, headers, credentials: 'omit', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch {
      throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection.');
    }
  }
}

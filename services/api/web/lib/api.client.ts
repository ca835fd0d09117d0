import { CanvasSyncError, type CanvasSyncClient } from '@canvas-sync/client';
import type { Scope, SyncStatus, SyncView } from './types.js';

/**
 * An error answer of the api (`{error:{code,message}}` with its status), or the client's own with
 * status 0 (`network_error`, `unauthenticated`, `bad_answer`): `@canvas-sync/client`'s error.
 */
export { CanvasSyncError as ApiError };

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

/** A signed-out user: a fresh token was refused too, or the host's provider gave none. */
export const isSignedOut = (err: unknown): boolean => err instanceof CanvasSyncError && (err.status === 401 || err.code === 'unauthenticated');

/**
 * The api as the views use it (DESIGN.md, "HTTP API"), over `@canvas-sync/client` (which holds the
 * token: asked at start, renewed before `exp`, and once more after a 401). The views keep the
 * shapes they render; the client's are the same contract, generated from `/openapi.json`.
 */
export class ApiClient {
  constructor(readonly client: CanvasSyncClient) {}

  config = (): Promise<PanelConfig> => this.client.getConfig();
  connection = (): Promise<Connection> => this.client.getConnection() as Promise<Connection>;
  saveConnection = (baseUrl: string, accessToken: string): Promise<void> => this.client.putConnection({ baseUrl, accessToken });
  disconnect = (): Promise<void> => this.client.deleteConnection();
  deleteData = (): Promise<void> => this.client.deleteData();
  connectOptions = (): Promise<ConnectOptions> => this.client.getOAuthOptions() as Promise<ConnectOptions>;
  oauthStart = (baseUrl: string, returnTo: string): Promise<{ authorizeUrl: string }> => this.client.startOAuth({ baseUrl, returnTo });
  testConnection = (): Promise<ConnectionTest> => this.client.testConnection() as Promise<ConnectionTest>;
  terms = (): Promise<{ items: Term[] }> => this.client.listTerms() as Promise<{ items: Term[] }>;
  courses = (termId?: number): Promise<{ items: Course[] }> => this.client.listCourses(termId === undefined ? {} : { termId }) as Promise<{ items: Course[] }>;
  start = (body: StartRequest): Promise<{ id: string; status: SyncStatus }> => this.client.startSync(body) as Promise<{ id: string; status: SyncStatus }>;
  sync = (id: string): Promise<SyncView> => this.client.getSync(id) as Promise<SyncView>;
  history = (cursor?: string): Promise<{ items: SyncView[]; nextCursor: string | null }> =>
    this.client.listSyncs({ limit: 10, cursor: cursor ?? null }) as Promise<{ items: SyncView[]; nextCursor: string | null }>;
  cancel = (id: string): Promise<unknown> => this.client.cancelSync(id);
  resume = (id: string): Promise<unknown> => this.client.resumeSync(id);
}

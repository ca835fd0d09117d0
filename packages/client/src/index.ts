/** @canvas-sync/client: a typed client of the canvas-sync api and its live sync progress. */
export { CanvasSyncClient, createCanvasSyncClient, type CanvasSyncClientOptions, type WatchOptions } from './canvas-sync.client.js';
export { CanvasSyncError, isCanvasSyncError } from './errors.js';
export type { SyncWatch } from './sync-watcher.js';
export { MILESTONES, type ConnectionState, type Milestone, type WatchHandlers } from './watch-events.js';
export { SyncTracker, type SyncChange } from './sync-tracker.js';
export { jwtExpiresAt, TokenSource, type TokenProvider } from './token-source.js';
export type { FetchLike } from './http-transport.js';
export type { BackoffOptions } from './backoff.js';
export type { WebSocketConstructorLike, WebSocketLike } from './websocket-like.js';
export { isTerminal } from './types.js';
export type * from './types.js';
export type { Paths, Schemas } from './generated/api-types.js';

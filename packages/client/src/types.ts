/**
 * The public types of the api and the notifier, by name. Every one is derived from
 * `generated/api-types.ts` (generated from `/openapi.json` and the notifier's frame schemas), so
 * none is a hand-written twin of a server schema.
 */
import type { Paths, Schemas, WsProgressFrame } from './generated/api-types.js';

/** The JSON answer of an operation for one status. */
export type ApiAnswer<P extends keyof Paths, M extends keyof Paths[P], S extends number> = Paths[P][M] extends { responses: infer R }
  ? S extends keyof R
    ? R[S]
    : never
  : never;

/** `GET /api/v1/syncs/:id`, the WebSocket snapshot, and each item of the history. */
export type SyncView = ApiAnswer<'/api/v1/syncs/{id}', 'get', 200>;
export type SyncStatus = SyncView['status'];
export type SyncPhase = SyncView['phase'];
export type SyncScope = SyncView['scope'];
export type SyncMode = SyncView['mode'];
export type SyncCounts = SyncView['counts'];
export type SyncProgress = SyncView['progress'];
export type SyncDiff = NonNullable<SyncView['diff']>;
export type ErrorInfo = NonNullable<SyncView['error']>;
/** A page of sync history, newest first (`nextCursor: null` = last page). */
export type SyncPage = Schemas['SyncPage'];
/** `POST /api/v1/syncs` (`dryRun` and `chunkSize` have server defaults). */
export type StartSyncRequest = Schemas['StartSyncInput'];
export type SyncAccepted = Schemas['SyncAccepted'];

export type Connection = Schemas['Connection'];
export type PutConnectionRequest = Schemas['PutConnectionInput'];
export type ConnectionTestResult = Schemas['ConnectionTestResult'];
export type OAuthStartRequest = Schemas['OAuthStartInput'];
export type OAuthAuthorize = Schemas['OAuthAuthorize'];
export type ConnectOptions = Schemas['ConnectOptions'];
export type TermList = Schemas['TermList'];
export type Term = TermList['items'][number];
export type CourseList = Schemas['CourseList'];
export type Course = CourseList['items'][number];
/** The body of every error answer: `{error:{code,message}}`, sometimes with facts beside it (`syncId`). */
export type ApiErrorBody = Schemas['Error'];

/** `{"type":"progress",…}` frames of the notifier. */
export type ProgressFrame = WsProgressFrame;

/** `GET /api/v1/config` (no auth): where the panel finds the notifier. Not in /openapi.json (a panel route). */
export interface ClientConfig {
  notifierUrl: string | null;
  pollIntervalMs: number;
}

/** A user's sync schedule (`GET|PUT /api/v1/schedule`); `{enabled:false}` when there is none. */
export type Schedule = Schemas['Schedule'];
/** `PUT /api/v1/schedule`: `intervalMinutes` 15..10080. */
export type PutScheduleRequest = Schemas['PutScheduleInput'];
/** `GET /api/v1/canvas/changes`: the user's changes in commit order, no gaps, no duplicates. */
export type ChangePage = Schemas['ChangePage'];
export type Change = ChangePage['items'][number];

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** True for the statuses a sync ends in (`completed`, `failed`, `cancelled`). */
export const isTerminal = (status: SyncStatus): boolean => TERMINAL.has(status);

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError, newTraceparent, SyncId, toSyncView, traceIdOf, type ServiceMetrics, type SyncRow, type SyncView } from '@canvas-sync/shared';
import type { ConnectionStore } from '../connections/connections.repository.js';
import type { SyncBus } from './sync-bus.js';
import type { ActiveConflict, SyncStore } from './syncs.repository.js';
import type { StartSyncBody } from './syncs.schemas.js';

/** The ports the sync handlers work with. */
export interface SyncPorts {
  syncs: SyncStore;
  connections: ConnectionStore;
  bus: SyncBus;
  logger: Logger;
  /** `canvas_sync_syncs_total`: the api counts starts, cancels and syncs it failed itself. */
  metrics?: Pick<ServiceMetrics, 'syncs'>;
}

const isConflict = (value: unknown): value is ActiveConflict => typeof value === 'object' && value !== null && 'conflict' in value;

function inProgress(conflict: ActiveConflict): AppError {
  return new AppError('sync_in_progress', undefined, conflict.activeSyncId ? { details: { syncId: conflict.activeSyncId } } : {});
}

/** Ids that are not uuids cannot exist; answering 404 early also keeps Postgres from a cast error. */
function notFound(): AppError {
  return new AppError('not_found', 'No such sync.');
}

/** Loads one of the user's syncs or throws 404. */
export async function getSync(ports: SyncPorts, userId: string, id: string): Promise<SyncRow> {
  if (!SyncId.safeParse(id).success) throw notFound();
  const row = await ports.syncs.find(userId, id);
  if (!row) throw notFound();
  return row;
}

/** What started a sync: a person (`POST /api/v1/syncs`) or the scheduler. */
export type SyncTrigger = 'user' | 'schedule';

/**
 * Starts a sync: the row first (the one-active index decides 409), then `sync.requested`. When the
 * broker refuses the publish the row is failed with `broker_unavailable` and the caller gets 503:
 * a sync nobody was told about must not sit `queued` forever. The scheduler takes the same two
 * steps, with the insert inside its claim transaction (schedules/schedule-claims.ts).
 */
export async function startSync(ports: SyncPorts, userId: string, body: StartSyncBody, trigger: SyncTrigger = 'user'): Promise<SyncRow> {
  const inserted = await insertQueuedSync(ports, userId, body, trigger);
  await announceSync(ports, inserted);
  return inserted;
}

/**
 * The first step of a start: checks the connection and inserts the queued row. `ports` may be bound
 * to a transaction (the scheduler's claim): nothing here talks to NATS.
 */
export async function insertQueuedSync(ports: Pick<SyncPorts, 'syncs' | 'connections'>, userId: string, body: StartSyncBody, trigger: SyncTrigger): Promise<SyncRow> {
  const connection = await ports.connections.find(userId);
  // A disconnected connection keeps its row (history points at it) but has no token.
  if (!connection || connection.token_ciphertext === null) throw new AppError('no_connection');
  const sync = {
    id: randomUUID(),
    user_id: userId,
    connection_id: connection.id,
    status: 'queued',
    phase: 'queued',
    scope: JSON.stringify(body.scope),
    mode: body.mode,
    dry_run: body.dryRun,
    trigger,
    chunk_size: body.chunkSize,
    message: 'Waiting for a worker.',
    traceparent: newTraceparent(),
  };
  let inserted = await ports.syncs.insert(sync);
  // The active sync finished between our insert and the lookup of its id: the slot is free now.
  if (isConflict(inserted) && inserted.activeSyncId === undefined) inserted = await ports.syncs.insert(sync);
  if (isConflict(inserted)) throw inProgress(inserted);
  return inserted;
}

/** The second step: `sync.requested` (or the row failed with `broker_unavailable`), the metric, the first progress event. */
export async function announceSync(ports: SyncPorts, row: SyncRow): Promise<void> {
  await requestOrFail(ports, row);
  ports.metrics?.syncs.inc({ outcome: 'started' });
  await progressBestEffort(ports, row);
}

/** Cancels a queued or running sync; fetchers hear the broadcast and also re-check the row. */
export async function cancelSync(ports: SyncPorts, userId: string, id: string): Promise<SyncView> {
  await getSync(ports, userId, id);
  const row = await ports.syncs.cancel(userId, id, 'Cancelled by the user.');
  if (!row) throw new AppError('sync_not_cancellable');
  ports.metrics?.syncs.inc({ outcome: 'cancelled' });
  // The row is the truth; the messages only make fetchers and browsers notice sooner.
  try {
    ports.bus.broadcastCancel(row);
  } catch (err) {
    ports.logger.error({ err, syncId: id }, 'cancel broadcast failed');
  }
  await progressBestEffort(ports, row);
  return toSyncView(row);
}

/** Resumes a failed or cancelled sync as run + 1; finished units are kept and skipped. */
export async function resumeSync(ports: SyncPorts, userId: string, id: string): Promise<SyncView> {
  await getSync(ports, userId, id);
  const row = await ports.syncs.resume(userId, id, 'Resuming: waiting for a worker.');
  if (isConflict(row)) throw inProgress(row);
  if (!row) throw new AppError('sync_not_resumable');
  await requestOrFail(ports, row);
  await progressBestEffort(ports, row);
  return toSyncView(row);
}

async function requestOrFail(ports: SyncPorts, row: SyncRow): Promise<void> {
  try {
    await ports.bus.requestSync(row);
    // The trace id ties this line to the fetcher's and writer's lines for the same sync.
    ports.logger.info({ syncId: row.id, run: row.run, traceId: traceIdOf(row.traceparent) }, 'sync queued');
  } catch (err) {
    ports.logger.error({ err, syncId: row.id }, 'sync request publish failed');
    const error = new AppError('broker_unavailable', 'The sync could not be queued because the message broker is not available; try again.', { cause: err });
    const failed = await ports.syncs.failQueued(row.user_id, row.id, error.toJSON());
    if (failed) ports.metrics?.syncs.inc({ outcome: 'failed' });
    throw error;
  }
}

/** Progress events speed up the browser; losing one is covered by the notifier's DB snapshot. */
async function progressBestEffort(ports: SyncPorts, row: SyncRow): Promise<void> {
  try {
    await ports.bus.publishProgress(row);
  } catch (err) {
    ports.logger.warn({ err, syncId: row.id, seq: row.seq }, 'progress publish failed');
  }
}

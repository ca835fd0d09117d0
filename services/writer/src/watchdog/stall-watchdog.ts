import { sql, type Kysely } from 'kysely';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { publish, recordChanges, syncRequested, type Database, type Namespace, type SyncRow } from '@canvas-sync/shared';
import type { ProgressPublisher } from '../progress/progress.publisher.js';
import type { WriterMetrics } from '../writer-metrics.js';

export interface WatchdogOptions {
  /** A queued/running sync with no activity for this long is stalled. */
  stallMs: number;
  /** Re-plans before giving up with `sync_stalled`. */
  maxRetries: number;
  intervalMs: number;
}

/**
 * Finds syncs that stopped moving (a lost message, a consumer that died with work unacked past its
 * redeliveries) and starts a new run of them — the planner continues from the checkpoints — or,
 * after `maxRetries`, fails them with `sync_stalled`. Nothing stays `running` forever. One writer
 * replica at a time does this (a transaction-scoped advisory lock).
 */
export function startStallWatchdog(deps: { db: Kysely<Database>; js: JetStreamClient; ns: Namespace; logger: Logger; publishProgress: ProgressPublisher; metrics: WriterMetrics }, options: WatchdogOptions): { stop(): void } {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const { retried, failed } = await deps.db.transaction().execute(async (tx) => {
        const lock = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(7245001) AS ok`.execute(tx);
        if (!lock.rows[0]?.ok) return { retried: [] as SyncRow[], failed: [] as SyncRow[] };
        const cutoff = new Date(Date.now() - options.stallMs);
        const retried = await tx
          .updateTable('syncs')
          .set({ run: sql<number>`run + 1`, stall_retries: sql<number>`stall_retries + 1`, seq: sql<number>`seq + 1`, updated_at: sql<Date>`now()`, message: 'No progress for a while; retrying from the last checkpoint' })
          .where('status', 'in', ['queued', 'running'])
          .where('updated_at', '<', cutoff)
          .where('stall_retries', '<', options.maxRetries)
          .returningAll()
          .execute();
        const failed = await tx
          .updateTable('syncs')
          .set({ status: 'failed', phase: 'done', finished_at: new Date(), seq: sql<number>`seq + 1`, updated_at: sql<Date>`now()`, error: JSON.stringify({ code: 'sync_stalled', message: 'The sync stopped making progress; resume it to try again.' }), message: 'The sync stopped making progress' })
          .where('status', 'in', ['queued', 'running'])
          .where('updated_at', '<', cutoff)
          .where('stall_retries', '>=', options.maxRetries)
          .returningAll()
          .execute();
        // `sync.finished` in the same transaction; users in a fixed order (their counters are locked).
        for (const row of [...failed].sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0))) {
          await recordChanges(tx, { userId: row.user_id, syncId: row.id, finished: row });
        }
        return { retried, failed };
      });
      for (const row of retried) {
        deps.logger.warn({ syncId: row.id, run: row.run }, 'stalled sync re-planned');
        await publish(deps.js, deps.ns, syncRequested, { syncId: row.id, userId: row.user_id, run: row.run }, { id: `${row.id}:run:${row.run}`, correlationId: row.id });
        await deps.publishProgress(row);
      }
      for (const row of failed) {
        deps.logger.warn({ syncId: row.id }, 'stalled sync failed');
        deps.metrics.syncFinished('failed');
        await deps.publishProgress(row);
      }
    } catch (err) {
      deps.logger.warn({ err }, 'stall watchdog round failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs);
  return { stop: () => clearInterval(timer) };
}

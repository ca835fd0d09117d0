import type { Kysely, Transaction } from 'kysely';
import { recordChanges, type Database, type HandlerResult, type MessageContext, type SyncRow, type SyncStatusEvent } from '@canvas-sync/shared';
import { finishUnit, lockSync, unitTotals } from '../checkpoints/checkpoints.repository.js';
import { addWarnings, updateSync } from '../checkpoints/syncs.repository.js';
import { completeIfDone } from '../finalize/finalize.js';
import type { ProgressPublisher } from '../progress/progress.publisher.js';
import type { WriterMetrics } from '../writer-metrics.js';

type Tx = Transaction<Database>;

/**
 * Applies a fetcher's report to the sync row: started, a course skipped or rows without an id
 * left out (warnings: partial success), waiting for Canvas and back, or failed. Reports of an older run (before a resume)
 * must not touch the resumed sync's state.
 */
export function statusHandler(deps: { db: Kysely<Database>; publishProgress: ProgressPublisher; metrics: WriterMetrics }) {
  return async (m: SyncStatusEvent, ctx: MessageContext): Promise<HandlerResult> => {
    const committed = await deps.db.transaction().execute(async (tx): Promise<SyncRow | undefined> => {
      const sync = await lockSync(tx, m.syncId);
      if (!sync || sync.user_id !== m.userId || sync.run !== m.run) return undefined;
      const row = await apply(tx, sync, m);
      if (row && row.status !== sync.status && (row.status === 'completed' || row.status === 'failed')) deps.metrics.syncFinished(row.status);
      return row;
    });
    if (committed) {
      ctx.logger.info({ syncId: m.syncId, kind: m.kind, status: committed.status, code: m.error?.code }, 'sync status applied');
      await deps.publishProgress(committed, ctx.traceparent);
    }
    return 'ack';
  };
}

async function apply(tx: Tx, sync: SyncRow, m: SyncStatusEvent): Promise<SyncRow | undefined> {
  const active = sync.status === 'queued' || sync.status === 'running';
  switch (m.kind) {
    case 'started':
      if (sync.status !== 'queued') return undefined;
      {
        // Rows may have been written before this report was (parallel consumers): maybe it is done already.
        const row = await updateSync(tx, sync.id, { status: 'running', phase: sync.plan_ready ? 'fetching' : 'listing_courses', started_at: sync.started_at ?? new Date(), message: 'Sync started' });
        return (await completeIfDone(tx, row)) ?? row;
      }
    case 'waiting_for_canvas':
      if (sync.status !== 'running') return undefined;
      return updateSync(tx, sync.id, { phase: 'waiting_for_canvas', message: 'Canvas is not answering; waiting for it to come back' });
    case 'canvas_back':
      if (sync.status !== 'running' || sync.phase !== 'waiting_for_canvas') return undefined;
      return updateSync(tx, sync.id, { phase: sync.plan_ready ? 'fetching' : 'listing_courses', message: 'Canvas is back' });
    case 'sync_failed':
      if (!active) return undefined;
      {
        const failed = await updateSync(tx, sync.id, { status: 'failed', phase: 'done', finished_at: new Date(), error: JSON.stringify(m.error ?? { code: 'internal', message: 'The sync failed.' }), message: m.error?.message ?? 'The sync failed.' });
        await recordChanges(tx, { userId: sync.user_id, syncId: sync.id, finished: failed });
        return failed;
      }
    case 'rows_skipped': {
      if (!active) return undefined;
      const warning = { code: m.error?.code ?? 'canvas_bad_response', message: m.error?.message ?? 'Canvas sent rows without a usable id; they were skipped.', unitKey: m.unitKey ?? '' };
      // A redelivered or repeated report says the same: kept once (addWarnings), capped as every warning.
      if (!(await addWarnings(tx, sync.id, sync.warnings, [warning]))) return undefined;
      return updateSync(tx, sync.id, {});
    }
    case 'unit_skipped': {
      const unitKey = m.unitKey ?? '';
      const courseId = unitKey.startsWith('course:') ? Number(unitKey.slice(7)) : null;
      const warning = { code: m.error?.code ?? 'canvas_forbidden', message: m.error?.message ?? 'Could not read this course.', unitKey };
      if (!(await finishUnit(tx, { syncId: sync.id, unitKey, courseId, state: 'skipped', fetchId: null, warning }))) return undefined;
      const totals = await unitTotals(tx, sync.id);
      const row = await updateSync(tx, sync.id, {
        units_done: totals.done,
        warnings: JSON.stringify([...sync.warnings, warning].slice(-100)),
        message: `Skipped ${unitKey.replace(':', ' ')}: ${warning.message}`,
      });
      return (await completeIfDone(tx, row)) ?? row;
    }
  }
}

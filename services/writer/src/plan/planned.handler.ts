import type { Kysely } from 'kysely';
import type { Database, HandlerResult, MessageContext, SyncPlanned, SyncRow } from '@canvas-sync/shared';
import { lockSync, storePlan } from '../checkpoints/checkpoints.repository.js';
import { updateSync } from '../checkpoints/syncs.repository.js';
import { completeIfDone } from '../finalize/finalize.js';
import type { ProgressPublisher } from '../progress/progress.publisher.js';
import type { WriterMetrics } from '../writer-metrics.js';

/**
 * Stores a sync's plan (its course units, pending) so progress has a total and a resume can
 * continue from it. Idempotent: a repeated plan adds nothing. A plan of zero courses may complete
 * the sync right here.
 */
export function plannedHandler(deps: { db: Kysely<Database>; publishProgress: ProgressPublisher; metrics: WriterMetrics }) {
  return async (m: SyncPlanned, ctx: MessageContext): Promise<HandlerResult> => {
    const committed = await deps.db.transaction().execute(async (tx): Promise<SyncRow | undefined> => {
      const locked = await lockSync(tx, m.syncId);
      if (!locked || locked.user_id !== m.userId) return undefined;
      const totals = await storePlan(tx, m.syncId, m.courseIds);
      const row = await updateSync(tx, m.syncId, {
        plan_ready: true,
        units_total: totals.total,
        units_done: totals.done,
        ...(locked.status === 'running' ? { phase: 'fetching', message: `Planned ${m.courseIds.length} courses in ${m.unitCount} units` } : {}),
      });
      const completed = await completeIfDone(tx, row);
      if (completed) deps.metrics.syncFinished('completed');
      return completed ?? row;
    });
    if (committed) {
      ctx.logger.info({ syncId: m.syncId, courses: m.courseIds.length, status: committed.status }, 'sync plan stored');
      await deps.publishProgress(committed, ctx.traceparent);
    }
    return 'ack';
  };
}

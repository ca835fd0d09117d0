import { z } from 'zod';
import { defineMessage } from './envelope.js';
import { SyncCounts, SyncId, SyncStatus, UserId } from './common.js';

/**
 * writer (or api) → platform teams (stream CANVAS_EVENTS, subject `sync.finished.v1.<user token>`):
 * a sync reached `completed`, `failed` or `cancelled`. Written to the outbox in the transaction
 * that set the terminal status, so there is exactly one per terminal transition.
 */
export const SyncFinished = z.object({
  syncId: SyncId,
  userId: UserId,
  status: SyncStatus.extract(['completed', 'failed', 'cancelled']),
  counts: SyncCounts,
  finishedAt: z.string(),
  trigger: z.enum(['user', 'schedule']),
  /**
   * A preview (`dryRun: true` at `POST /api/v1/syncs`): the counts say what a real sync would
   * write, and nothing was written. Every writer sets it; it is optional here only so that events
   * recorded before it existed (still on the stream for 7 days, or in a webhook retry) parse.
   */
  dryRun: z.boolean().optional(),
});
export type SyncFinished = z.infer<typeof SyncFinished>;
export const syncFinished = defineMessage('sync.finished', 1, SyncFinished);

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
});
export type SyncFinished = z.infer<typeof SyncFinished>;
export const syncFinished = defineMessage('sync.finished', 1, SyncFinished);

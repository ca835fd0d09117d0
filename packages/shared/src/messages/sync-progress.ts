import { z } from 'zod';
import { defineMessage } from './envelope.js';
import { ErrorInfo, SyncCounts, SyncId, SyncPhase, SyncStatus, UserId } from './common.js';

export const Progress = z.object({
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  percent: z.number().min(0).max(100),
});
export type Progress = z.infer<typeof Progress>;

/**
 * writer and api → notifier (stream SYNC_PROGRESS, subject `sync.progress.v1.<syncId>`): the state of a
 * sync after a commit. `seq` rises by one per event of a sync, so clients drop stale frames.
 */
export const SyncProgress = z.object({
  syncId: SyncId,
  userId: UserId,
  seq: z.number().int().nonnegative(),
  status: SyncStatus,
  phase: SyncPhase,
  progress: Progress,
  etaSeconds: z.number().nonnegative().nullable(),
  counts: SyncCounts,
  message: z.string().max(500),
  error: ErrorInfo.optional(),
});
export type SyncProgress = z.infer<typeof SyncProgress>;
export const syncProgress = defineMessage('sync.progress', 1, SyncProgress);

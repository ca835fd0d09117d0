import { z } from 'zod';
import { defineMessage } from './envelope.js';
import { CanvasId, SyncId, UserId } from './common.js';

/**
 * planner → fetchers: one unit of work, `chunkSize` (5–50) courses whose groups, assignments and
 * the user's submissions are to be fetched. Any fetcher replica may take it.
 */
export const FetchUnit = z.object({
  syncId: SyncId,
  userId: UserId,
  run: z.number().int().nonnegative(),
  unitIndex: z.number().int().nonnegative(),
  courseIds: z.array(CanvasId).min(1).max(50),
});
export type FetchUnit = z.infer<typeof FetchUnit>;
export const fetchUnit = defineMessage('sync.fetch', 1, FetchUnit);

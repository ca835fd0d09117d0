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
  /** This unit's share of the sync's limits on Canvas pages and rows (issue 14); absent in older messages. */
  budget: z.object({ pages: z.number().int().positive(), rows: z.number().int().positive() }).optional(),
});
export type FetchUnit = z.infer<typeof FetchUnit>;
export const fetchUnit = defineMessage('sync.fetch', 1, FetchUnit);

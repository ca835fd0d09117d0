import { z } from 'zod';
import { defineMessage } from './envelope.js';
import { CanvasId, SyncId, UserId } from './common.js';

/**
 * planner → writer: the courses this run covers and how they were cut into units. The writer
 * stores the plan, so a resume continues from it without listing courses again.
 */
export const SyncPlanned = z.object({
  syncId: SyncId,
  userId: UserId,
  run: z.number().int().nonnegative(),
  courseIds: z.array(CanvasId).max(100_000),
  unitCount: z.number().int().nonnegative(),
});
export type SyncPlanned = z.infer<typeof SyncPlanned>;
export const syncPlanned = defineMessage('sync.planned', 1, SyncPlanned);

import { z } from 'zod';
import { defineMessage } from './envelope.js';
import { ErrorInfo, SyncId, UserId } from './common.js';

/**
 * fetcher → writer: something happened that changes a sync's state without rows.
 * - `started`: a planner took the sync (status → running).
 * - `unit_skipped`: a course could not be read (permission 403/404, date-restricted); a warning, not a failure.
 * - `sync_failed`: the sync cannot go on (e.g. `canvas_token_invalid`); resume after fixing it.
 * - `waiting_for_canvas` / `canvas_back`: the circuit to Canvas opened / closed again.
 * - `rows_skipped`: Canvas sent rows without a usable id (missing, negative, unsafe integer); they were
 *   left out and the sync goes on. A warning on the sync, with `error.code` `canvas_row_without_id`.
 */
export const SyncStatusEvent = z.object({
  syncId: SyncId,
  userId: UserId,
  run: z.number().int().nonnegative(),
  kind: z.enum(['started', 'unit_skipped', 'sync_failed', 'waiting_for_canvas', 'canvas_back', 'rows_skipped']),
  unitKey: z.string().max(100).optional(),
  error: ErrorInfo.optional(),
});
export type SyncStatusEvent = z.infer<typeof SyncStatusEvent>;
export const syncStatus = defineMessage('sync.status', 1, SyncStatusEvent);

import { z } from 'zod';
import { defineMessage } from './envelope.js';
import { SyncId, UserId } from './common.js';

/**
 * api → fetcher (planner): a sync was started or resumed. `run` counts resumes; it makes message
 * ids of a resumed run differ from the first run's, so JetStream dedup does not swallow them.
 */
export const SyncRequested = z.object({ syncId: SyncId, userId: UserId, run: z.number().int().nonnegative() });
export type SyncRequested = z.infer<typeof SyncRequested>;
export const syncRequested = defineMessage('sync.requested', 1, SyncRequested);

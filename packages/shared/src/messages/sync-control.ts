import { z } from 'zod';
import { defineMessage } from './envelope.js';
import { SyncId } from './common.js';

/** api → every fetcher (core NATS, fan-out): stop work on a sync now. Fetchers also re-check the DB. */
export const SyncControl = z.object({ syncId: SyncId, action: z.literal('cancel') });
export type SyncControl = z.infer<typeof SyncControl>;
export const syncControl = defineMessage('sync.control', 1, SyncControl);

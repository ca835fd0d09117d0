import { z } from 'zod';
import { SyncMode, SyncScope, SyncStatus, SyncView } from '@canvas-sync/shared';

/** `POST /api/v1/syncs` (DESIGN.md). Unknown fields are refused so that typos do not pass silently. */
export const StartSyncBody = z
  .object({
    scope: SyncScope,
    mode: SyncMode,
    dryRun: z.boolean().default(false),
    chunkSize: z.number().int().min(5).max(50).default(10),
  })
  .strict()
  .meta({ id: 'StartSync' });
export type StartSyncBody = z.infer<typeof StartSyncBody>;

/** `202` of start: the new sync's id and status. */
export const SyncAccepted = z.object({ id: z.string().uuid(), status: SyncStatus }).meta({ id: 'SyncAccepted' });

/**
 * `:id` is any string: a non-uuid id is answered 404 like any other unknown id, not 400, so the
 * answer never tells ids apart by shape.
 */
export const SyncIdParams = z.object({ id: z.string().max(100) });

export const ListSyncsQuery = z
  .object({
    limit: z
      .string()
      .regex(/^\d{1,3}$/, 'must be a number from 1 to 100')
      .transform(Number)
      .pipe(z.number().int().min(1).max(100))
      .optional(),
    cursor: z.string().max(100).optional(),
  })
  .strict();

/** A page of history: list items leave out `diff` (it can be large); `GET /syncs/:id` has it. */
export const SyncPage = z.object({ items: z.array(SyncView), nextCursor: z.string().nullable() }).meta({ id: 'SyncPage' });

export { SyncView };

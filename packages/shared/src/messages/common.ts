import { z } from 'zod';

/** Sync ids are UUIDs minted by the api. */
export const SyncId = z.string().uuid();
/** The host app's user id (the JWT `sub`). */
export const UserId = z.string().min(1).max(200);
/** Canvas ids are JSON integers; we keep them as numbers within the safe range. */
export const CanvasId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Which part of a user's Canvas a sync covers. */
export const SyncScope = z.discriminatedUnion('type', [
  z.object({ type: z.literal('all') }).strict(),
  z.object({ type: z.literal('term'), termId: CanvasId }).strict(),
  z.object({ type: z.literal('course'), courseId: CanvasId }).strict(),
]);
export type SyncScope = z.infer<typeof SyncScope>;

export const SyncMode = z.enum(['full', 'incremental']);
export type SyncMode = z.infer<typeof SyncMode>;

export const SyncStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);
export type SyncStatus = z.infer<typeof SyncStatus>;

/** What the sync is doing now; shown to users beside the percentage. */
export const SyncPhase = z.enum(['queued', 'listing_courses', 'fetching', 'waiting_for_canvas', 'finalizing', 'done']);
export type SyncPhase = z.infer<typeof SyncPhase>;

/** The five synced resources, in dependency order. */
export const RESOURCES = ['terms', 'courses', 'assignment_groups', 'assignments', 'submissions'] as const;
export const Resource = z.enum(RESOURCES);
export type Resource = z.infer<typeof Resource>;

export const ResourceCounts = z.object({
  created: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
});
export type ResourceCounts = z.infer<typeof ResourceCounts>;
export const SyncCounts = z.partialRecord(Resource, ResourceCounts);
export type SyncCounts = z.infer<typeof SyncCounts>;

export const ErrorInfo = z.object({ code: z.string().max(100), message: z.string().max(2000) });
export type ErrorInfo = z.infer<typeof ErrorInfo>;

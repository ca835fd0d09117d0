import { z } from 'zod';
import { defineMessage } from './envelope.js';
import { CanvasId, SyncId, UserId } from './common.js';

/** A Canvas object as Canvas sent it; only `id` is required here (resource schemas check the rest). */
export const RawRow = z.looseObject({ id: CanvasId });
export type RawRow = z.infer<typeof RawRow>;

/**
 * A row as it travels to the writer: any JSON object. Its `id` is not checked here, so one row
 * without a usable id cannot make the whole part fail its schema (and stall the sync); the writer
 * skips such a row with a warning (DESIGN.md "Limits on what Canvas sends").
 */
export type RecordRow = { id?: unknown } & Record<string, unknown>;
/**
 * Checked as "an object, not an array or null" and passed through as it is. (A `looseObject`
 * schema accepts the same and copies every row, key by key, at publish and again at consume: ~6 ms
 * per 500 KB part on each side, a third of the writer's decoding; docs/performance.md.)
 */
export const RecordRow = z.custom<RecordRow>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { message: 'a row must be a JSON object' });

/** Rows of one part of a unit, per resource. */
export const RecordSet = z.object({
  terms: z.array(RecordRow).optional(),
  courses: z.array(RecordRow).optional(),
  assignment_groups: z.array(RecordRow).optional(),
  assignments: z.array(RecordRow).optional(),
  submissions: z.array(RecordRow).optional(),
});
export type RecordSet = z.infer<typeof RecordSet>;

/** Ids per part and resource at most (a part's bytes bound them far lower: ~65,000 ids fill 512 KB). */
export const MAX_UNCHANGED_IDS = 200_000;
const UnchangedIds = z.array(CanvasId).max(MAX_UNCHANGED_IDS).optional();

/**
 * Ids of rows of one part of a unit, per resource, that the fetcher found stored and live for the
 * part's user and course with the content hash of the row it fetched (`contentHash`, content-hash.ts): sent
 * instead of those rows' text. The writer counts them `unchanged` and keeps them in what the unit
 * saw (a full sync's deletion sweep leaves them alone); it writes nothing for them.
 */
export const UnchangedIdSet = z.object({
  terms: UnchangedIds,
  courses: UnchangedIds,
  assignment_groups: UnchangedIds,
  assignments: UnchangedIds,
  submissions: UnchangedIds,
});
export type UnchangedIdSet = z.infer<typeof UnchangedIdSet>;

/**
 * fetcher → writer: one part of the rows of a checkpoint unit (`courses` for the course list,
 * `course:<id>` for one course's groups, assignments and submissions). Parts are split by bytes to
 * stay under the server's max payload. `fetchId` names one fetch of the unit; the unit's checkpoint
 * is complete when every part `0..n` of one fetch is written and part `n` has `final: true`.
 * A row the fetch saw is either in `records` (as Canvas sent it) or, unchanged since it was
 * stored, only its id in `unchanged`; the part's byte budget counts both.
 */
export const SyncRecords = z.object({
  syncId: SyncId,
  userId: UserId,
  run: z.number().int().nonnegative(),
  unitKey: z.string().regex(/^(courses|course:\d+)$/),
  fetchId: z.string().uuid(),
  part: z.number().int().nonnegative().max(100_000),
  final: z.boolean(),
  /**
   * Added in session 10, optional: a message without it (an older fetcher) means every row the
   * fetch saw is in `records`. Before `records`, which the fetcher splices in as the payload's last key.
   */
  unchanged: UnchangedIdSet.optional(),
  records: RecordSet,
});
export type SyncRecords = z.infer<typeof SyncRecords>;
export const syncRecords = defineMessage('sync.records', 1, SyncRecords);

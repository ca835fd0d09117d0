import { sql, type Kysely } from 'kysely';
import type { Database, Resource } from '@canvas-sync/shared';

/** Per resource, the content hash of each stored row by id. */
export type StoredHashes = Map<Resource, Map<number, string>>;

/**
 * Stored hashes read for one course at most. A course's rows are a few hundred (the `heavy`
 * profile: ~400); each entry costs ~120 bytes, so this bounds a course's map at ~1.2 MB, and a
 * fetcher's at that times the courses it walks at once, whatever a hostile Canvas made us store.
 * Rows past it are sent as text, as before: only bytes are lost, never a row.
 */
export const STORED_HASHES_PER_COURSE = 10_000;

/**
 * The `(id, content_hash)` of the user's live rows (`deleted_at IS NULL`) of one course, for the
 * resources a course unit fetches, in one statement (each table's `(user_id, course_id)` index).
 * Rows whose fetched content hashes the same need not travel to the writer (`SyncRecords.unchanged`).
 * A deleted row is left out: one that is back in Canvas must be sent, so that it is revived.
 */
export async function storedHashes(db: Kysely<Database>, userId: string, courseId: number, limit = STORED_HASHES_PER_COURSE): Promise<StoredHashes> {
  const from = (table: string, resource: Resource) =>
    sql`SELECT ${resource}::text AS resource, id, content_hash FROM ${sql.raw(table)} WHERE user_id = ${userId} AND course_id = ${courseId} AND deleted_at IS NULL`;
  const { rows } = await sql<{ resource: Resource; id: number; content_hash: string }>`
    ${from('canvas.assignment_groups', 'assignment_groups')}
    UNION ALL ${from('canvas.assignments', 'assignments')}
    UNION ALL ${from('canvas.submissions', 'submissions')}
    LIMIT ${limit}`.execute(db);
  const out: StoredHashes = new Map();
  for (const r of rows) {
    let byId = out.get(r.resource);
    if (!byId) out.set(r.resource, (byId = new Map()));
    byId.set(Number(r.id), r.content_hash);
  }
  return out;
}

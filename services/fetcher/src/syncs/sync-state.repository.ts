import type { Kysely } from 'kysely';
import type { Database } from '@canvas-sync/shared';

/**
 * What the fetcher needs to know about a sync before working on it. Not its mode: full and
 * incremental syncs are fetched alike (unchanged rows as ids), and the writer's sweep tells them apart.
 */
export interface SyncState {
  id: string;
  userId: string;
  status: string;
  run: number;
  scope: { type: 'all' } | { type: 'term'; termId: number } | { type: 'course'; courseId: number };
  chunkSize: number;
  planReady: boolean;
  connectionId: string;
}

/** Reads a sync (the fetcher only reads; every sync write goes through the writer or the api). */
export async function findSync(db: Kysely<Database>, syncId: string): Promise<SyncState | undefined> {
  const row = await db
    .selectFrom('syncs')
    .select(['id', 'user_id', 'status', 'run', 'scope', 'chunk_size', 'plan_ready', 'connection_id'])
    .where('id', '=', syncId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    userId: row.user_id,
    status: row.status,
    run: row.run,
    scope: row.scope,
    chunkSize: row.chunk_size,
    planReady: row.plan_ready,
    connectionId: row.connection_id,
  };
}

/** Course ids of the stored plan whose checkpoint is not done yet (a resume continues from here). */
export async function pendingPlannedCourses(db: Kysely<Database>, syncId: string): Promise<number[] | undefined> {
  const listing = await db.selectFrom('sync_units').select('state').where('sync_id', '=', syncId).where('unit_key', '=', 'courses').executeTakeFirst();
  if (listing?.state !== 'done') return undefined;
  const rows = await db
    .selectFrom('sync_units')
    .select('course_id')
    .where('sync_id', '=', syncId)
    .where('state', '=', 'pending')
    .where('course_id', 'is not', null)
    .orderBy('course_id')
    .execute();
  return rows.map((r) => r.course_id!);
}

/** Courses of `courseIds` whose checkpoint is already done or skipped (redelivered units skip them). */
export async function finishedCourses(db: Kysely<Database>, syncId: string, courseIds: number[]): Promise<Set<number>> {
  if (courseIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('sync_units')
    .select('course_id')
    .where('sync_id', '=', syncId)
    .where('course_id', 'in', courseIds)
    .where('state', 'in', ['done', 'skipped'])
    .execute();
  return new Set(rows.map((r) => r.course_id!));
}

/** True while the sync is queued or running in run `run`. */
export async function isWanted(db: Kysely<Database>, syncId: string, run: number): Promise<boolean> {
  const row = await db.selectFrom('syncs').select(['status', 'run']).where('id', '=', syncId).executeTakeFirst();
  return row !== undefined && row.run === run && (row.status === 'queued' || row.status === 'running');
}

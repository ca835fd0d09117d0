import { sql, type Kysely } from 'kysely';
import { recordChanges, type Database, type NewSync, type SyncRow } from '@canvas-sync/shared';

/** The partial unique index that keeps one sync in flight per user (the initial migration). */
const ONE_ACTIVE = 'syncs_one_active_per_user';
const ACTIVE: string[] = ['queued', 'running'];

/** A write refused because the user already has a sync queued or running. */
export interface ActiveConflict {
  conflict: true;
  activeSyncId: string | undefined;
}

function isOneActiveViolation(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === ONE_ACTIVE;
}

/** The user's queued or running sync, if any. */
export async function findActiveSync(db: Kysely<Database>, userId: string): Promise<SyncRow | undefined> {
  return db.selectFrom('syncs').selectAll().where('user_id', '=', userId).where('status', 'in', ACTIVE).executeTakeFirst();
}

/**
 * Inserts a queued sync. The database, not a read-then-write, decides whether another one is in
 * flight: two concurrent starts cannot both win.
 */
export async function insertSync(db: Kysely<Database>, sync: NewSync): Promise<SyncRow | ActiveConflict> {
  try {
    return await db.insertInto('syncs').values(sync).returningAll().executeTakeFirstOrThrow();
  } catch (err) {
    if (!isOneActiveViolation(err)) throw err;
    return { conflict: true, activeSyncId: (await findActiveSync(db, sync.user_id))?.id };
  }
}

/** One of the user's syncs; another user's id is simply not found. */
export async function findSync(db: Kysely<Database>, userId: string, id: string): Promise<SyncRow | undefined> {
  return db.selectFrom('syncs').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}

/**
 * The user's syncs, newest first. The cursor is the id of the last sync of the previous page;
 * comparing `(created_at, id)` inside Postgres keeps its microseconds (a JS Date would drop them
 * and could skip or repeat rows). Returns undefined when the cursor is not one of the user's syncs.
 */
export async function listSyncs(db: Kysely<Database>, userId: string, limit: number, cursor?: string): Promise<SyncRow[] | undefined> {
  let query = db.selectFrom('syncs').selectAll().where('user_id', '=', userId);
  if (cursor !== undefined) {
    const anchor = await db.selectFrom('syncs').select(['id']).where('id', '=', cursor).where('user_id', '=', userId).executeTakeFirst();
    if (!anchor) return undefined;
    query = query.where(
      sql<boolean>`(created_at, id) < (SELECT s.created_at, s.id FROM syncs s WHERE s.id = ${cursor} AND s.user_id = ${userId})`,
    );
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Cancels a queued or running sync (seq + 1 for the progress event), with its `sync.finished`
 * change event in the same transaction.
 */
export async function cancelSync(db: Kysely<Database>, userId: string, id: string, message: string): Promise<SyncRow | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('syncs')
      .set((eb) => ({ status: 'cancelled', phase: 'done', message, finished_at: sql<Date>`now()`, updated_at: sql<Date>`now()`, seq: eb('seq', '+', 1) }))
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('status', 'in', ACTIVE)
      .returningAll()
      .executeTakeFirst();
    if (row) await recordChanges(tx, { userId, syncId: id, finished: row });
    return row;
  });
}

/**
 * Puts a failed or cancelled sync back in the queue as a new run (run + 1, seq + 1). Its
 * checkpoints stay, so the next run skips finished units. Refused by the one-active index when
 * another sync of the user is in flight.
 */
export async function resumeSync(db: Kysely<Database>, userId: string, id: string, message: string): Promise<SyncRow | ActiveConflict | undefined> {
  try {
    return await db
      .updateTable('syncs')
      .set((eb) => ({
        status: 'queued',
        phase: 'queued',
        message,
        error: null,
        finished_at: null,
        stall_retries: 0,
        updated_at: sql<Date>`now()`,
        run: eb('run', '+', 1),
        seq: eb('seq', '+', 1),
      }))
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('status', 'in', ['failed', 'cancelled'])
      .returningAll()
      .executeTakeFirst();
  } catch (err) {
    if (!isOneActiveViolation(err)) throw err;
    return { conflict: true, activeSyncId: (await findActiveSync(db, userId))?.id };
  }
}

/** Fails a queued sync whose request could not be published, so it never sits queued forever (with its `sync.finished`). */
export async function failQueuedSync(db: Kysely<Database>, userId: string, id: string, error: { code: string; message: string }): Promise<SyncRow | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('syncs')
      .set((eb) => ({
        status: 'failed',
        phase: 'done',
        message: error.message,
        error: JSON.stringify(error),
        finished_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
        seq: eb('seq', '+', 1),
      }))
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    if (row) await recordChanges(tx, { userId, syncId: id, finished: row });
    return row;
  });
}

/** The port handlers use: the functions above bound to one database. */
export interface SyncStore {
  insert(sync: NewSync): Promise<SyncRow | ActiveConflict>;
  find(userId: string, id: string): Promise<SyncRow | undefined>;
  list(userId: string, limit: number, cursor?: string): Promise<SyncRow[] | undefined>;
  cancel(userId: string, id: string, message: string): Promise<SyncRow | undefined>;
  resume(userId: string, id: string, message: string): Promise<SyncRow | ActiveConflict | undefined>;
  failQueued(userId: string, id: string, error: { code: string; message: string }): Promise<SyncRow | undefined>;
}

/** Binds the repository to `db`. */
export function syncStore(db: Kysely<Database>): SyncStore {
  return {
    insert: (sync) => insertSync(db, sync),
    find: (userId, id) => findSync(db, userId, id),
    list: (userId, limit, cursor) => listSyncs(db, userId, limit, cursor),
    cancel: (userId, id, message) => cancelSync(db, userId, id, message),
    resume: (userId, id, message) => resumeSync(db, userId, id, message),
    failQueued: (userId, id, error) => failQueuedSync(db, userId, id, error),
  };
}

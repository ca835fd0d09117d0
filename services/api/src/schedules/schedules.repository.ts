import { sql, type Kysely } from 'kysely';
import type { Database, SyncScheduleRow } from '@canvas-sync/shared';
import { applyDefaultSchedule, firstDueAt } from './schedule-claims.js';

/** What `PUT /api/v1/schedule` stores. */
export interface ScheduleWrite {
  intervalMinutes: number;
  mode: 'incremental' | 'full';
  scope: SyncScheduleRow['scope'];
}

/** The user's schedule row (their own, an explicit off, or the deployment default), if any. */
export async function findSchedule(db: Kysely<Database>, userId: string): Promise<SyncScheduleRow | undefined> {
  return db.selectFrom('sync_schedules').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/**
 * Sets the user's own schedule. A new or re-enabled schedule is first due one interval after the
 * user's last sync (now if that is past); an enabled one keeps its due time unless the new interval
 * brings it closer. The run counter stays, so "every Nth run is full" goes on counting.
 */
export async function putSchedule(db: Kysely<Database>, userId: string, write: ScheduleWrite): Promise<SyncScheduleRow> {
  const first = firstDueAt(userId, write.intervalMinutes);
  return db
    .insertInto('sync_schedules')
    .values({ user_id: userId, source: 'user', enabled: true, interval_minutes: write.intervalMinutes, mode: write.mode, scope: JSON.stringify(write.scope), next_run_at: first })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({
        source: 'user',
        enabled: true,
        interval_minutes: write.intervalMinutes,
        mode: write.mode,
        scope: JSON.stringify(write.scope),
        next_run_at: sql<Date>`CASE WHEN sync_schedules.enabled
          THEN LEAST(sync_schedules.next_run_at, GREATEST(now(), COALESCE(sync_schedules.last_run_at, now()) + make_interval(mins => ${write.intervalMinutes})))
          ELSE ${first} END`,
        updated_at: sql<Date>`now()`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Turns scheduled syncs off for the user: the row stays, `enabled = false` and `source = 'user'`,
 * so the deployment default does not come back for them. `placeholderMinutes` fills the interval of
 * a row created just to say "off" (the column is required; it is never used while off).
 */
export async function disableSchedule(db: Kysely<Database>, userId: string, placeholderMinutes: number): Promise<void> {
  await db
    .insertInto('sync_schedules')
    .values({ user_id: userId, source: 'user', enabled: false, interval_minutes: placeholderMinutes, next_run_at: null })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ source: 'user', enabled: false, next_run_at: null, updated_at: sql<Date>`now()` }))
    .execute();
}

/** The port the schedule handlers use: the functions above bound to one database. */
export interface ScheduleStore {
  find(userId: string): Promise<SyncScheduleRow | undefined>;
  put(userId: string, write: ScheduleWrite): Promise<SyncScheduleRow>;
  disable(userId: string, placeholderMinutes: number): Promise<void>;
  /** Writes the user's deployment-default row now (the scheduler does it every tick), so GET shows it at once. */
  applyDefault(userId: string, defaultMinutes: number | undefined): Promise<number>;
}

/** Binds the repository to `db`. */
export function scheduleStore(db: Kysely<Database>): ScheduleStore {
  return {
    find: (userId) => findSchedule(db, userId),
    put: (userId, write) => putSchedule(db, userId, write),
    disable: (userId, placeholderMinutes) => disableSchedule(db, userId, placeholderMinutes),
    applyDefault: (userId, defaultMinutes) => applyDefaultSchedule(db, defaultMinutes, userId),
  };
}

import { sql, type Transaction } from 'kysely';
import type { Database, SyncRow, SyncUpdate } from '@canvas-sync/shared';
import { nextSeq } from './syncs.repository.js';

type Tx = Transaction<Database>;
type Counts = Record<string, Record<string, number>>;

type PartKey = { syncId: string; unitKey: string; fetchId: string; part: number };
type PartFacts = { seen: Record<string, number[]>; counts: Counts; diff: Record<string, { create: number[]; update: number[] }> | null };

/**
 * Claims a part of a unit fetch, and reads its sync, in one statement: the part's checkpoint row
 * is inserted (empty until {@link storePartLockSync}) unless it is there already, in which case
 * `claimed` is false (a redelivery; a copy of the part still being written elsewhere makes this
 * statement wait for that transaction, then say false). Nothing is inserted for a sync of another
 * user; `undefined` when the sync does not exist.
 */
export async function claimPart(tx: Tx, part: PartKey & { userId: string; final: boolean }): Promise<{ userId: string; dryRun: boolean; claimed: boolean } | undefined> {
  const r = await sql<{ user_id: string; dry_run: boolean; claimed: boolean }>`
    WITH sync AS (SELECT user_id, dry_run FROM syncs WHERE id = ${part.syncId}),
    claimed AS (
      INSERT INTO sync_unit_parts (sync_id, unit_key, fetch_id, part, final, seen, counts, diff)
      SELECT ${part.syncId}::uuid, ${part.unitKey}::text, ${part.fetchId}::uuid, ${part.part}::int, ${part.final}::boolean, '{}'::jsonb, '{}'::jsonb, NULL::jsonb FROM sync WHERE user_id = ${part.userId}
      ON CONFLICT DO NOTHING
      RETURNING part)
    SELECT sync.user_id, sync.dry_run, EXISTS (SELECT 1 FROM claimed) AS claimed FROM sync`.execute(tx);
  const row = r.rows[0];
  return row && { userId: row.user_id, dryRun: row.dry_run, claimed: row.claimed };
}

/**
 * Stores what a claimed part saw, counted and (dry run) would change, and locks the sync row until
 * commit, in one statement. The lock is an `UPDATE` of `updated_at` (the activity that keeps the
 * stall watchdog away), which takes the same `FOR NO KEY UPDATE` row lock as {@link lockSync};
 * the row it returns is the sync as locked. Whatever needs the lock's protection (did this fetch
 * complete?) must be read by a later statement: a statement that waited for the lock still reads
 * other tables as of its start.
 */
export async function storePartLockSync(tx: Tx, key: PartKey, facts: PartFacts): Promise<SyncRow | undefined> {
  return tx
    .with('part', (db) =>
      db
        .updateTable('sync_unit_parts')
        .set({ seen: JSON.stringify(facts.seen), counts: JSON.stringify(facts.counts), diff: facts.diff ? JSON.stringify(facts.diff) : null })
        .where('sync_id', '=', key.syncId)
        .where('unit_key', '=', key.unitKey)
        .where('fetch_id', '=', key.fetchId)
        .where('part', '=', key.part),
    )
    .updateTable('syncs')
    .set({ updated_at: sql<Date>`now()` })
    .where('id', '=', key.syncId)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Locks the sync row until commit. Every transaction that may complete a unit takes this lock
 * (or {@link storePartLockSync}'s, the same) before counting parts, so two writers committing the last two parts of a unit see each other.
 * `FOR NO KEY UPDATE`, not `FOR UPDATE`: inserting a part already holds `FOR KEY SHARE` on the
 * row (its foreign key), and two such transactions both upgrading to `FOR UPDATE` deadlock.
 */
export async function lockSync(tx: Tx, syncId: string): Promise<SyncRow | undefined> {
  return tx.selectFrom('syncs').selectAll().where('id', '=', syncId).forNoKeyUpdate().executeTakeFirst();
}

/** The SQL that marks a unit done (or skipped) when `condition` holds, unless it already is; returns its key when it did. */
function finishUnitSql(unit: FinishedUnit, condition = sql`true`) {
  return sql`
    INSERT INTO sync_units (sync_id, unit_key, course_id, state, fetch_id, warning, completed_at)
    SELECT ${unit.syncId}::uuid, ${unit.unitKey}::text, ${unit.courseId}::bigint, ${unit.state}::text, ${unit.fetchId}::uuid, ${unit.warning ? JSON.stringify(unit.warning) : null}::jsonb, now()
    WHERE ${condition}
    ON CONFLICT (sync_id, unit_key) DO UPDATE SET state = excluded.state, fetch_id = excluded.fetch_id, warning = excluded.warning, completed_at = excluded.completed_at
    WHERE sync_units.state = 'pending'
    RETURNING unit_key`;
}

type FinishedUnit = { syncId: string; unitKey: string; courseId: number | null; state: 'done' | 'skipped'; fetchId: string | null; warning?: { code: string; message: string } };

/** Marks a unit done (or skipped) unless it already is; returns whether this call changed it. */
export async function finishUnit(tx: Tx, unit: FinishedUnit): Promise<boolean> {
  const r = await finishUnitSql(unit).execute(tx);
  return r.rows.length > 0;
}

/**
 * After the sync row's lock, in one statement: whether this fetch of the unit has all its parts
 * `0..final` and, when it has, marks the unit done (`finished`: this call did; false when the unit
 * already was) and returns the summed counts of the fetch's parts (added to the sync's) and the
 * course's name as synced (for the progress message; `null` when unknown).
 */
export async function finishFetch(tx: Tx, fetch: { syncId: string; unitKey: string; fetchId: string; courseId: number | null; userId: string }): Promise<{ finished: boolean; counts: Counts; courseName: string | null }> {
  const r = await sql<{ finished: boolean; counts: Counts[]; course_name: string | null }>`
    WITH parts AS (
      SELECT count(*) = max(part) FILTER (WHERE final) + 1 AS complete, jsonb_agg(counts) AS counts
      FROM sync_unit_parts WHERE sync_id = ${fetch.syncId} AND unit_key = ${fetch.unitKey} AND fetch_id = ${fetch.fetchId}),
    finished AS (${finishUnitSql({ ...fetch, state: 'done' }, sql`(SELECT complete IS TRUE FROM parts)`)})
    SELECT EXISTS (SELECT 1 FROM finished) AS finished,
           CASE WHEN EXISTS (SELECT 1 FROM finished) THEN parts.counts END AS counts,
           (SELECT c.name FROM canvas.courses c WHERE c.user_id = ${fetch.userId} AND c.id = ${fetch.courseId}::bigint AND EXISTS (SELECT 1 FROM finished)) AS course_name
    FROM parts`.execute(tx);
  const row = r.rows[0];
  if (!row?.finished) return { finished: false, counts: {}, courseName: null };
  const counts: Counts = {};
  for (const c of row.counts) addCounts(counts, c);
  return { finished: true, counts, courseName: row.course_name };
}

/** Adds `more` into `into` (in place). */
export function addCounts(into: Counts, more: Counts): Counts {
  for (const [resource, c] of Object.entries(more)) {
    const t = (into[resource] ??= { created: 0, updated: 0, unchanged: 0, deleted: 0 });
    for (const [k, v] of Object.entries(c)) t[k] = (t[k] ?? 0) + v;
  }
  return into;
}

/** Adds the plan's course units as pending (idempotent) and returns units total/done from the table. */
export async function storePlan(tx: Tx, syncId: string, courseIds: number[]): Promise<{ total: number; done: number }> {
  if (courseIds.length > 0) {
    await sql`
      INSERT INTO sync_units (sync_id, unit_key, course_id)
      SELECT ${syncId}, 'course:' || c, c FROM unnest(${courseIds}::bigint[]) AS c
      ON CONFLICT DO NOTHING`.execute(tx);
  }
  return unitTotals(tx, syncId);
}

/** Units planned (course units + the course list) and finished, as the checkpoints count them. */
export interface UnitTotals {
  total: number;
  done: number;
  pending: number;
  listed: boolean;
}

/** The one-row query of {@link unitTotals}, for statements that need the totals beside something else. */
export function unitTotalsSql(syncId: string) {
  return sql<UnitTotals>`
    SELECT count(*) FILTER (WHERE course_id IS NOT NULL)::int + 1 AS total,
           count(*) FILTER (WHERE state <> 'pending')::int AS done,
           count(*) FILTER (WHERE state = 'pending')::int AS pending,
           coalesce(bool_or(unit_key = 'courses' AND state = 'done'), false) AS listed
    FROM sync_units WHERE sync_id = ${syncId}`;
}

/** Units planned (course units + the course list) and finished, counted from the checkpoints. */
export async function unitTotals(tx: Tx, syncId: string): Promise<UnitTotals> {
  const r = await unitTotalsSql(syncId).execute(tx);
  const row = r.rows[0];
  return { total: row?.total ?? 1, done: row?.done ?? 0, pending: row?.pending ?? 0, listed: row?.listed ?? false };
}

/**
 * Updates the locked sync row as {@link updateSync} does, with `units_done` (and `units_total`
 * once the plan is stored) from the checkpoints, in one statement; returns the row and the totals
 * (what {@link completeIfDone} decides on). Must follow, in its own statement, the write that
 * finished a unit, so that the totals include it.
 */
export async function updateSyncUnits(tx: Tx, syncId: string, changes: SyncUpdate): Promise<{ row: SyncRow; totals: UnitTotals }> {
  const r = await tx
    .updateTable('syncs')
    .from(sql<UnitTotals>`(${unitTotalsSql(syncId)})`.as('t'))
    .set(changes)
    .set({ ...nextSeq(), units_done: sql<number>`t.done`, units_total: sql<number>`CASE WHEN syncs.plan_ready THEN t.total ELSE syncs.units_total END` })
    .where('syncs.id', '=', syncId)
    .returningAll('syncs')
    .returning([sql<number>`t.total`.as('t_total'), sql<number>`t.done`.as('t_done'), sql<number>`t.pending`.as('t_pending'), sql<boolean>`t.listed`.as('t_listed')])
    .executeTakeFirstOrThrow();
  const { t_total: total, t_done: done, t_pending: pending, t_listed: listed, ...row } = r;
  return { row: row as SyncRow, totals: { total, done, pending, listed } };
}

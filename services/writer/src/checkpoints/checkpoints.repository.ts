import { sql, type RawBuilder, type Transaction } from 'kysely';
import { changeRecordCtes, RESOURCES, type ChangeRecord, type Database, type SyncRow } from '@canvas-sync/shared';

type Tx = Transaction<Database>;
type Counts = Record<string, Record<string, number>>;

type PartKey = { syncId: string; unitKey: string; fetchId: string; part: number };
type PartFacts = { seen: Record<string, number[]>; counts: Counts; diff: Record<string, { create: number[]; update: number[] }> | null };

/**
 * Claims a part of a unit fetch, and reads its sync, in one statement: the part's checkpoint row
 * is inserted (empty until {@link storePartLockSync}) unless it is there already, in which case
 * `claimed` is false (a redelivery; a copy of the part still being written elsewhere makes this
 * statement wait for that transaction, then say false). Nothing is inserted for a sync of another
 * user; `undefined` when the sync does not exist. Also reads the name of the unit's course as
 * synced (`null` when unknown or not a course unit; for the progress message, should this part
 * finish its unit) and runs `alongside` (the rows' hash pre-check), whose rows it returns: one
 * round trip for what a part reads before it writes (issue #15).
 */
export async function claimPart<A = never>(
  tx: Tx,
  part: PartKey & { userId: string; final: boolean; courseId: number | null },
  alongside?: RawBuilder<A>,
): Promise<{ userId: string; dryRun: boolean; claimed: boolean; courseName: string | null; alongside: A[] } | undefined> {
  const r = await sql<{ user_id: string; dry_run: boolean; claimed: boolean; course_name: string | null; alongside: A[] }>`
    WITH sync AS (SELECT user_id, dry_run FROM syncs WHERE id = ${part.syncId}),
    claimed AS (
      INSERT INTO sync_unit_parts (sync_id, unit_key, fetch_id, part, final, seen, counts, diff)
      SELECT ${part.syncId}::uuid, ${part.unitKey}::text, ${part.fetchId}::uuid, ${part.part}::int, ${part.final}::boolean, '{}'::jsonb, '{}'::jsonb, NULL::jsonb FROM sync WHERE user_id = ${part.userId}
      ON CONFLICT DO NOTHING
      RETURNING part)${alongside ? sql`,
    alongside AS (${alongside})` : sql``}
    SELECT sync.user_id, sync.dry_run, EXISTS (SELECT 1 FROM claimed) AS claimed,
      (SELECT c.name FROM canvas.courses c WHERE c.user_id = ${part.userId} AND c.id = ${part.courseId}::bigint) AS course_name,
      ${alongside ? sql`(SELECT coalesce(json_agg(alongside), '[]'::json) FROM alongside)` : sql`'[]'::json`} AS alongside
    FROM sync`.execute(tx);
  const row = r.rows[0];
  return row && { userId: row.user_id, dryRun: row.dry_run, claimed: row.claimed, courseName: row.course_name, alongside: row.alongside };
}

/**
 * Stores what a claimed part saw, counted and (dry run) would change, locks the sync row until
 * commit and records the part's changes ({@link changeRecordCtes}), in one statement. The lock is
 * an `UPDATE` of `updated_at` (the activity that keeps the stall watchdog away), which takes the
 * same `FOR NO KEY UPDATE` row lock as {@link lockSync}; the row it returns is the sync as locked.
 * The change counter's bump reads the locked row first, so the lock order (sync row, then the
 * user's change counter) holds within the statement. Whatever needs the lock's protection (did
 * this fetch complete?) must be read by a later statement: a statement that waited for the lock
 * still reads other tables as of its start.
 */
export async function storePartLockSync(tx: Tx, key: PartKey, facts: PartFacts, changes?: ChangeRecord): Promise<SyncRow | undefined> {
  const record = changes && changeRecordCtes(changes, 'locked');
  const r = await sql<SyncRow>`
    WITH part AS (
      UPDATE sync_unit_parts SET seen = ${JSON.stringify(facts.seen)}::jsonb, counts = ${JSON.stringify(facts.counts)}::jsonb, diff = ${facts.diff ? JSON.stringify(facts.diff) : null}::jsonb
      WHERE sync_id = ${key.syncId} AND unit_key = ${key.unitKey} AND fetch_id = ${key.fetchId} AND part = ${key.part}),
    locked AS (UPDATE syncs SET updated_at = now() WHERE id = ${key.syncId} RETURNING *)${record ? sql`, ${record}` : sql``}
    SELECT * FROM locked`.execute(tx);
  return r.rows[0];
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
 * `0..final` and, when it has, marks the unit done and updates the locked sync row (bumping
 * `seq`, as `updateSync` does) — the summed counts of the fetch's parts added to the sync's,
 * `units_done` (and `units_total` once the plan is stored) from the checkpoints with this unit
 * done, and, while the sync runs and is not waiting for Canvas, phase `fetching` with `message`.
 * Returns the row and the totals (what {@link completeIfDone} decides on); `undefined` when the
 * fetch is not complete or its unit already was done (nothing changed). The totals cannot be
 * read back in the same statement (it does not see its own writes), so the unit finished here
 * is counted as done over what the statement sees of the others.
 */
export async function finishFetch(tx: Tx, fetch: { syncId: string; unitKey: string; fetchId: string; courseId: number | null; message: string }): Promise<{ row: SyncRow; totals: UnitTotals } | undefined> {
  const r = await sql<SyncRow & { t_total: number; t_done: number; t_pending: number; t_listed: boolean }>`
    WITH parts AS (
      SELECT count(*) = max(part) FILTER (WHERE final) + 1 AS complete, jsonb_agg(counts) AS counts
      FROM sync_unit_parts WHERE sync_id = ${fetch.syncId} AND unit_key = ${fetch.unitKey} AND fetch_id = ${fetch.fetchId}),
    finished AS (${finishUnitSql({ ...fetch, state: 'done' }, sql`(SELECT complete IS TRUE FROM parts)`)}),
    units AS (
      SELECT unit_key, course_id, state FROM sync_units WHERE sync_id = ${fetch.syncId} AND unit_key <> ${fetch.unitKey}
      UNION ALL SELECT unit_key, course_id, 'done' FROM sync_units WHERE sync_id = ${fetch.syncId} AND unit_key = ${fetch.unitKey}
      UNION ALL SELECT ${fetch.unitKey}::text, ${fetch.courseId}::bigint, 'done'
        WHERE NOT EXISTS (SELECT 1 FROM sync_units WHERE sync_id = ${fetch.syncId} AND unit_key = ${fetch.unitKey})),
    t AS (${unitTotalsOf(sql`units`)}),
    sync AS (
      UPDATE syncs SET
        counts = syncs.counts || (${fetchCountsSql(sql`syncs.counts`)}),
        phase = CASE WHEN ${liveSql} THEN 'fetching' ELSE syncs.phase END,
        message = CASE WHEN ${liveSql} THEN ${fetch.message}::text ELSE syncs.message END,
        seq = syncs.seq + 1, updated_at = now(),
        units_done = t.done, units_total = CASE WHEN syncs.plan_ready THEN t.total ELSE syncs.units_total END
      FROM t WHERE syncs.id = ${fetch.syncId} AND EXISTS (SELECT 1 FROM finished)
      RETURNING syncs.*, t.total AS t_total, t.done AS t_done, t.pending AS t_pending, t.listed AS t_listed)
    SELECT * FROM sync`.execute(tx);
  const found = r.rows[0];
  if (!found) return undefined;
  const { t_total: total, t_done: done, t_pending: pending, t_listed: listed, ...row } = found;
  return { row: row as SyncRow, totals: { total, done, pending, listed } };
}

/** A running sync's progress message names the unit just written (not while it waits for Canvas). */
const liveSql = sql`syncs.status = 'running' AND syncs.phase IS DISTINCT FROM 'waiting_for_canvas'`;

/**
 * The sync's counts plus the fetch's, for `parts.counts` (a `jsonb` array of the fetch's parts'
 * counts): per resource the fetch counted, `current`'s counts with the parts' four counts added
 * (missing ones count 0); `current || this` is the sum, the resources the fetch did not count stay
 * as they are. Plain aggregates over the few parts, per resource: no `GROUP BY`, whose hash tables
 * Postgres sizes by its guess of 100 rows per `jsonb` function — a guess of a million rows that
 * cost ~40 ms a statement to set up when this was a `GROUP BY` over `jsonb_each`.
 */
function fetchCountsSql(current: RawBuilder<unknown>) {
  const sum = (k: string) => sql`coalesce((${current} -> r ->> ${sql.lit(k)})::bigint, 0) + coalesce(s.${sql.raw(k)}, 0)`;
  return sql`
    SELECT coalesce(jsonb_object_agg(r, coalesce(${current} -> r, '{}'::jsonb) || jsonb_build_object(
      'created', ${sum('created')}, 'updated', ${sum('updated')}, 'unchanged', ${sum('unchanged')}, 'deleted', ${sum('deleted')})), '{}'::jsonb)
    FROM unnest(${sql.lit(`{${RESOURCES.join(',')}}`)}::text[]) AS r, LATERAL (
      SELECT count(p.c -> r) AS n, sum((p.c -> r ->> 'created')::bigint) AS created, sum((p.c -> r ->> 'updated')::bigint) AS updated,
             sum((p.c -> r ->> 'unchanged')::bigint) AS unchanged, sum((p.c -> r ->> 'deleted')::bigint) AS deleted
      FROM parts, jsonb_array_elements(parts.counts) AS p(c)) AS s
    WHERE s.n > 0`;
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

/** The one-row query of {@link unitTotals} over `units`: rows of `unit_key`, `course_id` and `state`. */
function unitTotalsOf(units: RawBuilder<unknown>) {
  return sql<UnitTotals>`
    SELECT count(*) FILTER (WHERE course_id IS NOT NULL)::int + 1 AS total,
           count(*) FILTER (WHERE state <> 'pending')::int AS done,
           count(*) FILTER (WHERE state = 'pending')::int AS pending,
           coalesce(bool_or(unit_key = 'courses' AND state = 'done'), false) AS listed
    FROM ${units}`;
}

/** Units planned (course units + the course list) and finished, counted from the checkpoints. */
export async function unitTotals(tx: Tx, syncId: string): Promise<UnitTotals> {
  const r = await unitTotalsOf(sql`sync_units WHERE sync_id = ${syncId}`).execute(tx);
  const row = r.rows[0];
  return { total: row?.total ?? 1, done: row?.done ?? 0, pending: row?.pending ?? 0, listed: row?.listed ?? false };
}

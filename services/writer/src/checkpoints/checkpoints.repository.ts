import { sql, type Transaction } from 'kysely';
import type { Database, SyncRow } from '@canvas-sync/shared';

type Tx = Transaction<Database>;
type Counts = Record<string, Record<string, number>>;

/** Records a part of a unit fetch; false when this part was already written (a redelivery). */
export async function insertPart(tx: Tx, part: { syncId: string; unitKey: string; fetchId: string; part: number; final: boolean }): Promise<boolean> {
  const inserted = await tx
    .insertInto('sync_unit_parts')
    .values({ sync_id: part.syncId, unit_key: part.unitKey, fetch_id: part.fetchId, part: part.part, final: part.final, seen: '{}', counts: '{}', diff: null })
    .onConflict((oc) => oc.doNothing())
    .returning('part')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Stores what a part saw, counted and (dry run) would change. */
export async function completePart(tx: Tx, key: { syncId: string; unitKey: string; fetchId: string; part: number }, facts: { seen: Record<string, number[]>; counts: Counts; diff: Record<string, { create: number[]; update: number[] }> | null }): Promise<void> {
  await tx
    .updateTable('sync_unit_parts')
    .set({ seen: JSON.stringify(facts.seen), counts: JSON.stringify(facts.counts), diff: facts.diff ? JSON.stringify(facts.diff) : null })
    .where('sync_id', '=', key.syncId)
    .where('unit_key', '=', key.unitKey)
    .where('fetch_id', '=', key.fetchId)
    .where('part', '=', key.part)
    .execute();
}

/**
 * Locks the sync row until commit. Every transaction that may complete a unit takes this lock
 * before counting parts, so two writers committing the last two parts of a unit see each other.
 * `FOR NO KEY UPDATE`, not `FOR UPDATE`: inserting a part already holds `FOR KEY SHARE` on the
 * row (its foreign key), and two such transactions both upgrading to `FOR UPDATE` deadlock.
 */
export async function lockSync(tx: Tx, syncId: string): Promise<SyncRow | undefined> {
  return tx.selectFrom('syncs').selectAll().where('id', '=', syncId).forNoKeyUpdate().executeTakeFirst();
}

/** True when one fetch of the unit has all its parts `0..final`. */
export async function fetchComplete(tx: Tx, syncId: string, unitKey: string, fetchId: string): Promise<boolean> {
  const r = await sql<{ n: number; last: number | null }>`
    SELECT count(*)::int AS n, max(part) FILTER (WHERE final) AS last
    FROM sync_unit_parts WHERE sync_id = ${syncId} AND unit_key = ${unitKey} AND fetch_id = ${fetchId}`.execute(tx);
  const row = r.rows[0];
  return row !== undefined && row.last !== null && row.n === row.last + 1;
}

/** Marks a unit done (or skipped) unless it already is; returns whether this call changed it. */
export async function finishUnit(tx: Tx, unit: { syncId: string; unitKey: string; courseId: number | null; state: 'done' | 'skipped'; fetchId: string | null; warning?: { code: string; message: string } }): Promise<boolean> {
  const r = await sql<{ unit_key: string }>`
    INSERT INTO sync_units (sync_id, unit_key, course_id, state, fetch_id, warning, completed_at)
    VALUES (${unit.syncId}, ${unit.unitKey}, ${unit.courseId}, ${unit.state}, ${unit.fetchId}, ${unit.warning ? JSON.stringify(unit.warning) : null}::jsonb, now())
    ON CONFLICT (sync_id, unit_key) DO UPDATE SET state = excluded.state, fetch_id = excluded.fetch_id, warning = excluded.warning, completed_at = excluded.completed_at
    WHERE sync_units.state = 'pending'
    RETURNING unit_key`.execute(tx);
  return r.rows.length > 0;
}

/** The summed counts of one fetch's parts (added to the sync when the unit completes). */
export async function fetchCounts(tx: Tx, syncId: string, unitKey: string, fetchId: string): Promise<Counts> {
  const rows = await tx.selectFrom('sync_unit_parts').select('counts').where('sync_id', '=', syncId).where('unit_key', '=', unitKey).where('fetch_id', '=', fetchId).execute();
  const total: Counts = {};
  for (const { counts } of rows) addCounts(total, counts);
  return total;
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

/** Units planned (course units + the course list) and finished, counted from the checkpoints. */
export async function unitTotals(tx: Tx, syncId: string): Promise<{ total: number; done: number; pending: number; listed: boolean }> {
  const r = await sql<{ total: number; done: number; pending: number; listed: boolean }>`
    SELECT count(*) FILTER (WHERE course_id IS NOT NULL)::int + 1 AS total,
           count(*) FILTER (WHERE state <> 'pending')::int AS done,
           count(*) FILTER (WHERE state = 'pending')::int AS pending,
           bool_or(unit_key = 'courses' AND state = 'done') AS listed
    FROM sync_units WHERE sync_id = ${syncId}`.execute(tx);
  const row = r.rows[0];
  return { total: row?.total ?? 1, done: row?.done ?? 0, pending: row?.pending ?? 0, listed: row?.listed ?? false };
}

import { sql, type Transaction } from 'kysely';
import type { Database, SyncRow } from '@canvas-sync/shared';

type Tx = Transaction<Database>;
type Child = 'assignment_groups' | 'assignments' | 'submissions';
const CHILDREN: Child[] = ['assignment_groups', 'assignments', 'submissions'];

/**
 * "Seen in this run" delete detection (CANVAS.md, Incremental sync). A row is gone when a
 * successful full sync of its scope did not see it:
 * - courses in the scope (all / the term / the one course) missing from the course listing;
 * - groups, assignments and submissions of every course whose unit finished in this sync, and of
 *   the courses found gone, missing from what that unit saw.
 * Courses that were skipped (permission, date-restricted) are left alone: not seen ≠ deleted.
 * With `apply: false` it only reports the ids (a dry run's diff). Returns the ids per resource, ascending.
 */
export async function sweepUnseen(tx: Tx, sync: SyncRow, apply: boolean): Promise<Record<string, number[]>> {
  const { rows } = await sweepStatement(sync, apply).execute(tx);
  const deleted: Record<string, number[]> = { courses: [], assignment_groups: [], assignments: [], submissions: [] };
  for (const r of rows) deleted[r.resource]!.push(r.id);
  // In id order: a grouping and a TID scan return them in no order of their own.
  for (const ids of Object.values(deleted)) ids.sort((x, y) => x - y);
  return deleted;
}

/**
 * The four sweeps in one statement (one round trip, one snapshot): the courses in the scope that
 * were not listed, then the groups, assignments and submissions of the swept courses — every
 * course whose unit finished, and the courses just found gone — that were not seen. Marks them
 * deleted (`apply`) or only selects them (a dry run). Returns `(resource, id)` rows.
 *
 * "Not seen" is a grouping, not an anti-join: the user's rows (id and ctid) and every id the
 * finished units saw (each part's jsonb expanded once per resource) are grouped by id, and a group
 * with no seen id is a row gone; the UPDATE then finds those rows by their ctids (a TID scan).
 * There is no join for the planner to turn into a nested loop, and a hashed or sorted grouping is
 * linear whatever the estimates. Both plans that went wrong here were such joins: anti-joining the
 * parts' jsonb let Postgres, with no statistics on freshly written parts, re-expand every part's
 * jsonb for each row (a 10,000-row account never completed); anti-joining a keyed temp table of
 * the seen ids became, on a user's first syncs (the `canvas` tables' statistics predate the user's
 * rows, Postgres expects ~1), a nested loop that scanned it once per row — quadratic, 12–21 ms per
 * table for a 270-row student (`sweep-plan.int.test.ts`). That temp table needed DDL (catalog
 * writes) on every completion, three round trips, and nested loops and JIT turned off around it:
 * 3–4× the time of this statement, 5–10 ms of a student's completion and ~0.3 s of a 60,000-row
 * account's (docs/performance.md, "Cheaper completion sweep"). Finding the gone ids first and
 * updating them by id is no better: with statistics that expect ~1 row, the UPDATE read all of the
 * user's rows through the (user_id, course_id) index and compared each with every gone id.
 */
function sweepStatement(sync: SyncRow, apply: boolean) {
  const scope = sync.scope;
  const scopeFilter =
    scope.type === 'term' ? sql`AND x.term_id = ${scope.termId}` : scope.type === 'course' ? sql`AND x.id = ${scope.courseId}` : sql``;
  // A row's id with its ctid, and every id the finished units saw with none: an id whose group
  // has only ctids was not seen.
  const gone = (table: string, resource: string, where: ReturnType<typeof sql>) => sql`
    SELECT u.id, max(u.t) AS t FROM (
      SELECT x.id, x.ctid AS t FROM ${sql.raw(table)} x WHERE x.user_id = ${sync.user_id} AND x.deleted_at IS NULL ${where}
      UNION ALL SELECT e.id::bigint, NULL FROM seen_parts p CROSS JOIN LATERAL jsonb_array_elements_text(p.seen -> ${resource}) e(id)
    ) u GROUP BY u.id HAVING count(u.t) = count(*)`;
  const mark = (resource: string, where: ReturnType<typeof sql>) => {
    const found = gone(`canvas.${resource}`, resource, where);
    return apply
      ? sql`${sql.raw(resource)} AS (UPDATE ${sql.raw(`canvas.${resource}`)} x SET deleted_at = now() WHERE x.ctid = ANY(ARRAY(SELECT t FROM (${found}) g)) AND x.deleted_at IS NULL RETURNING x.id)`
      : sql`${sql.raw(resource)} AS (SELECT id FROM (${found}) g)`;
  };
  // The swept courses as one array (a scalar subquery, cast so that it is not read as `ANY
  // (subquery)`: an InitPlan), so the (user_id, course_id) index finds just their rows, not every
  // course of a heavy user for a one-course sync.
  const children = CHILDREN.map((child) => mark(child, sql`AND x.course_id = ANY((SELECT ids FROM swept)::bigint[])`));
  return sql<{ resource: string; id: number }>`
    WITH seen_parts AS (
      SELECT p.seen FROM sync_units u
      JOIN sync_unit_parts p ON p.sync_id = u.sync_id AND p.unit_key = u.unit_key AND p.fetch_id = u.fetch_id
      WHERE u.sync_id = ${sync.id} AND u.state = 'done'),
    ${mark('courses', scopeFilter)},
    swept AS (SELECT ARRAY(SELECT course_id FROM sync_units WHERE sync_id = ${sync.id} AND state = 'done' AND course_id IS NOT NULL) || ARRAY(SELECT id FROM courses) AS ids),
    ${sql.join(children)}
    ${sql.join(['courses', ...CHILDREN].map((r) => sql`SELECT ${r}::text AS resource, id FROM ${sql.raw(r)}`), sql` UNION ALL `)}`;
}

/** Ids a dry run would create and update, gathered from the parts of every finished unit. */
export async function plannedChanges(tx: Tx, syncId: string): Promise<Record<string, { create: number[]; update: number[] }>> {
  const rows = await sql<{ diff: Record<string, { create: number[]; update: number[] }> | null }>`
    SELECT p.diff FROM sync_units u
    JOIN sync_unit_parts p ON p.sync_id = u.sync_id AND p.unit_key = u.unit_key AND p.fetch_id = u.fetch_id
    WHERE u.sync_id = ${syncId} AND u.state = 'done'`.execute(tx);
  const out: Record<string, { create: number[]; update: number[] }> = {};
  for (const { diff } of rows.rows) {
    for (const [resource, d] of Object.entries(diff ?? {})) {
      const t = (out[resource] ??= { create: [], update: [] });
      t.create.push(...d.create);
      t.update.push(...d.update);
    }
  }
  return out;
}

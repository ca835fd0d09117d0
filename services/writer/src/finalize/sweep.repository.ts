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
 * With `apply: false` it only reports the ids (a dry run's diff). Returns the ids per resource.
 */
export async function sweepUnseen(tx: Tx, sync: SyncRow, apply: boolean): Promise<Record<string, number[]>> {
  await materializeSeen(tx, sync.id);
  const { rows } = await sweepStatement(sync, apply).execute(tx);
  await sql`SET LOCAL enable_nestloop TO DEFAULT; SET LOCAL jit TO DEFAULT`.execute(tx);
  const deleted: Record<string, number[]> = { courses: [], assignment_groups: [], assignments: [], submissions: [] };
  for (const r of rows) deleted[r.resource]!.push(r.id);
  return deleted;
}

/**
 * Copies every id the sync's finished units saw into `pg_temp.sweep_seen` (keyed, analyzed,
 * dropped at commit). The anti-joins below then probe a keyed table, so their cost is
 * O(rows · log seen) whatever the planner estimates. Anti-joining the parts' jsonb directly let
 * Postgres, with no statistics on freshly written parts, pick a nested loop that re-expanded every
 * part's jsonb for each row: a 10,000-row account never completed.
 *
 * Nested loops are also off for the sweep's statement (until {@link sweepUnseen} restores them):
 * on a user's first syncs the `canvas` tables' statistics predate the user's rows, Postgres
 * expects ~1 of them, and for a `sweep_seen` of a few pages it chose a nested loop that scans it
 * once per row — quadratic, 12–21 ms per table for a 270-row student (`sweep-plan.int.test.ts`).
 * Hash and merge anti-joins are linear whatever the estimates. JIT goes off with them: a plan
 * that still needs a nested loop is priced ~10¹⁰ with nested loops off, far above `jit_above_cost`,
 * and LLVM then spent ~0.4 s compiling a statement that runs in 1 ms.
 *
 * One message, without parameters (the sync id, a uuid Postgres printed, is checked and inlined):
 * Postgres parses the whole message before running it, and the table exists when the INSERT runs.
 */
async function materializeSeen(tx: Tx, syncId: string): Promise<void> {
  if (!UUID.test(syncId)) throw new Error(`unexpected sync id ${JSON.stringify(syncId)}`);
  await sql`DROP TABLE IF EXISTS pg_temp.sweep_seen;
    CREATE TEMP TABLE sweep_seen (resource text NOT NULL, id bigint NOT NULL, PRIMARY KEY (resource, id)) ON COMMIT DROP;
    INSERT INTO sweep_seen (resource, id)
    SELECT s.key, e.id::bigint
    FROM sync_units u
    JOIN sync_unit_parts p ON p.sync_id = u.sync_id AND p.unit_key = u.unit_key AND p.fetch_id = u.fetch_id
    CROSS JOIN LATERAL jsonb_each(p.seen) s
    CROSS JOIN LATERAL jsonb_array_elements_text(s.value) e(id)
    WHERE u.sync_id = ${sql.lit(syncId)} AND u.state = 'done'
    ON CONFLICT DO NOTHING;
    ANALYZE sweep_seen;
    SET LOCAL enable_nestloop = off;
    SET LOCAL jit = off`.execute(tx);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The four sweeps in one statement (one round trip, one snapshot): the courses in the scope that
 * were not listed, then the groups, assignments and submissions of the swept courses — every
 * course whose unit finished, and the courses just found gone — that were not seen. Marks them
 * deleted (`apply`) or only selects them (a dry run). Returns `(resource, id)` rows.
 */
function sweepStatement(sync: SyncRow, apply: boolean) {
  const scope = sync.scope;
  const scopeFilter =
    scope.type === 'term' ? sql`AND c.term_id = ${scope.termId}` : scope.type === 'course' ? sql`AND c.id = ${scope.courseId}` : sql``;
  const unseen = (alias: string, resource: string) => sql`NOT EXISTS (SELECT 1 FROM sweep_seen s WHERE s.resource = ${resource} AND s.id = ${sql.ref(`${alias}.id`)})`;
  const courses = sql`c.user_id = ${sync.user_id} AND c.deleted_at IS NULL ${scopeFilter} AND ${unseen('c', 'courses')}`;
  const mark = (table: string, alias: string, where: ReturnType<typeof sql>) =>
    apply
      ? sql`UPDATE ${sql.raw(table)} ${sql.raw(alias)} SET deleted_at = now() WHERE ${where} RETURNING ${sql.ref(`${alias}.id`)}`
      : sql`SELECT ${sql.ref(`${alias}.id`)} FROM ${sql.raw(table)} ${sql.raw(alias)} WHERE ${where}`;
  // The swept courses as one array (a scalar subquery, cast so that it is not read as `ANY
  // (subquery)`: an InitPlan), so the (user_id, course_id) index finds just their rows: as an
  // `IN (subquery)` it became a hash semi-join over all of the user's rows once nested loops were
  // off — every course of a heavy user for a one-course sync.
  const children = CHILDREN.map(
    (child) => sql`${sql.raw(child)} AS (${mark(`canvas.${child}`, 'x', sql`x.user_id = ${sync.user_id} AND x.deleted_at IS NULL AND x.course_id = ANY((SELECT ids FROM swept)::bigint[]) AND ${unseen('x', child)}`)})`,
  );
  return sql<{ resource: string; id: number }>`
    WITH courses AS (${mark('canvas.courses', 'c', courses)}),
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

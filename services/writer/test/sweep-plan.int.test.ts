import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, SyncRow } from '@canvas-sync/shared';
import { createTestDatabase, insertTestConnection, type TestDatabase } from '@canvas-sync/testkit';
import { sweepUnseen } from '../src/finalize/sweep.repository.js';
import { explainEveryStatement, nodesOf, planCollectingDb } from './support/auto-explain.support.js';

const USER = 'sweep-user';
const COURSE = 1;
/** Rows per table: few enough that the seen ids would fit in two pages, where a scan of them per row looks cheapest. */
const ROWS = 130;

/** Sums a key over every node of an EXPLAIN (FORMAT JSON) plan. */
function sumOf(node: unknown, key: string): number {
  if (!node || typeof node !== 'object') return 0;
  const own = (node as Record<string, unknown>)[key];
  return (typeof own === 'number' ? own : 0) + Object.values(node).reduce<number>((n, v) => n + (Array.isArray(v) ? v.reduce<number>((m, c) => m + sumOf(c, key), 0) : sumOf(v, key)), 0);
}

/**
 * The completion's "seen in this run" sweep on a user's first sync, when the table's statistics
 * predate the user's rows (the usual case: a table shared by many users, analyzed before this
 * user's rows arrived). Postgres then estimates ~1 row for the user, and a plan that is fine for 1
 * row — a nested loop that scans the seen ids once per row — is quadratic for the real 130 (16,764 row pairs compared per table before the fix): the
 * sweep of a student's sync took 12–21 ms per table at realistic latency, a tenth of the sync's
 * tail (docs/performance.md). So is an UPDATE that reads all of the user's rows and compares each
 * with every gone id. The plans are read with auto_explain (every statement, as NOTICEs).
 */
describe('the sweep stays linear when statistics predate the user', () => {
  let t: TestDatabase;
  let db: Kysely<Database>;
  let plans: unknown[];
  let sync: SyncRow;

  beforeAll(async () => {
    t = await createTestDatabase();
    ({ db, plans } = planCollectingDb(t.url));

    // Other users' rows, analyzed: the statistics know nothing of USER. As many as make the table
    // more than a few pages (a shared table), where fetching rows by ctid is cheaper than a scan.
    const raw = JSON.stringify({ name: 'x' });
    for (const table of ['assignments', 'submissions'] as const) {
      // A submission's assignment_id (NOT NULL) is its own id here; the sweep does not read it.
      const insert = (user: unknown, course: number, count: number) =>
        table === 'assignments'
          ? sql`INSERT INTO canvas.assignments (user_id, id, raw, content_hash, course_id) SELECT ${user}, i, ${raw}::jsonb, 'h', ${course} FROM generate_series(1, ${count}) i`
          : sql`INSERT INTO canvas.submissions (user_id, id, raw, content_hash, course_id, assignment_id) SELECT ${user}, i, ${raw}::jsonb, 'h', ${course}, i FROM generate_series(1, ${count}) i`;
      await insert(sql`'other-' || (i % 5)`, 9, 5_000).execute(t.db);
      await sql`ANALYZE ${sql.raw(`canvas.${table}`)}`.execute(t.db);
      await insert(USER, COURSE, ROWS).execute(t.db);
    }
    await sql`INSERT INTO canvas.courses (user_id, id, raw, content_hash) VALUES (${USER}, ${COURSE}, ${raw}::jsonb, 'h')`.execute(t.db);

    const connectionId = await insertTestConnection(t.db, USER);
    const syncId = randomUUID();
    await t.db
      .insertInto('syncs')
      .values({ id: syncId, user_id: USER, connection_id: connectionId, status: 'running', scope: JSON.stringify({ type: 'all' }) as never, mode: 'full', dry_run: false, chunk_size: 10, traceparent: null, plan_ready: true, units_total: 2 })
      .execute();
    // Every row seen but the last three of each table.
    const seenIds = Array.from({ length: ROWS - 3 }, (_, i) => i + 1);
    const units = [
      { key: 'courses', course: null, seen: { courses: [COURSE] } },
      { key: `course:${COURSE}`, course: COURSE, seen: { assignments: seenIds, submissions: seenIds } },
    ];
    for (const u of units) {
      const fetchId = randomUUID();
      await sql`INSERT INTO sync_units (sync_id, unit_key, course_id, state, fetch_id) VALUES (${syncId}, ${u.key}, ${u.course}, 'done', ${fetchId})`.execute(t.db);
      await sql`INSERT INTO sync_unit_parts (sync_id, unit_key, fetch_id, part, final, seen) VALUES (${syncId}, ${u.key}, ${fetchId}, 0, true, ${JSON.stringify(u.seen)}::jsonb)`.execute(t.db);
    }
    sync = await t.db.selectFrom('syncs').selectAll().where('id', '=', syncId).executeTakeFirstOrThrow();
  });
  afterAll(async () => {
    await db?.destroy();
    await t?.drop();
  });

  it('marks exactly the unseen rows deleted, with no plan comparing every row with every seen id', async () => {
    const deleted = await db.transaction().execute(async (tx) => {
      await explainEveryStatement(tx);
      return sweepUnseen(tx, sync, true);
    });
    expect(deleted).toEqual({ courses: [], assignment_groups: [], assignments: [ROWS - 2, ROWS - 1, ROWS].map(Number), submissions: [ROWS - 2, ROWS - 1, ROWS] });
    // The sweep: the four tables in one statement, nothing else (no temp table, no SET).
    expect(plans).toHaveLength(1);
    // The quadratic plan compared ~ROWS² pairs (16,764 here); a linear one about none.
    expect(sumOf(plans, 'Rows Removed by Join Filter')).toBeLessThanOrEqual(ROWS);
    // Each part's jsonb expanded once per resource (2 parts, 4 resources), not once per row: the
    // plan that did that never finished a 10,000-row account.
    const expansions = nodesOf(plans).filter((n) => n['Node Type'] === 'Function Scan');
    expect(expansions.reduce((n, f) => n + (f['Actual Loops'] as number), 0)).toBeLessThanOrEqual(2 * 4);
    // The gone rows updated by their ctids, not found by reading every row of the user and
    // comparing it with every gone id (the tables with rows; an empty one is scanned whole).
    const updates = nodesOf(plans).filter((n) => n['Node Type'] === 'ModifyTable' && ['assignments', 'submissions'].includes(n['Relation Name'] as string));
    expect(updates.map((m) => (m.Plans as Array<Record<string, unknown>>).find((c) => c['Parent Relationship'] === 'Outer')?.['Node Type'])).toEqual(['Tid Scan', 'Tid Scan']);
    // Nor compiled with LLVM: a plan priced far above jit_above_cost (as one that needs a nested
    // loop is with nested loops off) made JIT spend ~0.4 s on a 1 ms statement.
    expect(plans.filter((p) => 'JIT' in (p as object)).map((p) => (p as { 'Query Text': string })['Query Text'])).toEqual([]);
  });
});

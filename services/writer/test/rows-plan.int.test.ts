import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, RecordRow } from '@canvas-sync/shared';
import { createTestDatabase, type TestDatabase } from '@canvas-sync/testkit';
import { prepareRows } from '../src/records/prepare-rows.js';
import { upsertRows } from '../src/records/rows.repository.js';
import { explainEveryStatement, nodesOf, planCollectingDb, type PlanNode } from './support/auto-explain.support.js';

const USER = 'plan-user';
/**
 * The user's rows, ~1 KB each: enough pages that reading them all costs more than fetching a
 * part's rows one by one (for a table of a few pages a scan is the cheaper plan, and harmless).
 */
const ROWS = 12_000;
const PADDING = 'x'.repeat(900);
/** The part rewritten: every row of it changed. */
const PART = Array.from({ length: 300 }, (_, i) => 500 + i);

const assignment = (id: number, revision: number): RecordRow => ({ id, course_id: 1 + (id % 20), name: `A${id} r${revision}`, description: PADDING, points_possible: 10, published: true });

/**
 * The table states a part meets in production, each in a database of its own:
 * - `statistics predate the user`: the table was analyzed when it held only other users' rows,
 *   all of them in its most-common-values list (a deployment's first ~100 users): Postgres then
 *   expects ~1 row for this user, and the (user_id, course_id) index looks as good as the primary
 *   key for a probe by (user_id, id);
 * - `vacuumed, never analyzed`: autovacuum's insert threshold came first (its page count is known,
 *   its columns' statistics are not);
 * - `analyzed before the user, many users`: a larger deployment, where most users are not in that
 *   list and Postgres expects a few dozen rows for this one.
 */
const STATES = {
  'statistics predate the user': async (t: TestDatabase) => {
    await sql`INSERT INTO canvas.assignments (user_id, id, raw, content_hash, course_id) SELECT 'other-' || (i % 50), i, '{}'::jsonb, 'h', 1 FROM generate_series(1, 50000) i`.execute(t.db);
    await sql`ANALYZE canvas.assignments`.execute(t.db);
    await writeUserRows(t.db);
  },
  'vacuumed, never analyzed': async (t: TestDatabase) => {
    await writeUserRows(t.db);
    await sql`VACUUM canvas.assignments`.execute(t.db);
  },
  'analyzed before the user, many users': async (t: TestDatabase) => {
    await sql`INSERT INTO canvas.assignments (user_id, id, raw, content_hash, course_id) SELECT 'other-' || (i % 2000), i, '{}'::jsonb, 'h', 1 FROM generate_series(1, 50000) i`.execute(t.db);
    await sql`ANALYZE canvas.assignments`.execute(t.db);
    await writeUserRows(t.db);
  },
} satisfies Record<string, (t: TestDatabase) => Promise<void>>;

/** The user's first sync: ROWS rows, revision 0. */
function writeUserRows(db: Kysely<Database>) {
  const rows = Array.from({ length: ROWS }, (_, i) => assignment(i + 1, 0));
  return db.transaction().execute((tx) => upsertRows(tx, 'assignments', USER, prepareRows('assignments', rows, null).rows));
}

/**
 * The writes of a part (the hash pre-check, the delete of the changed rows' old versions) cost
 * per row of the part, not per row the user has, whatever the table's statistics say: a plan
 * that reads all of the user's rows for each part is quadratic over a heavy user's sync, and one
 * that does so for each row of the part is quadratic within the part (a 20,000-row user: 1.2–1.8 s
 * per part for the pre-check, against 1.5 ms). The plans are read with auto_explain.
 */
describe.each(Object.keys(STATES) as Array<keyof typeof STATES>)('a part rewritten when the table is %s', (state) => {
  let t: TestDatabase;
  let db: Kysely<Database>;
  let plans: unknown[];
  let result: { created: number[]; updated: number[] };

  beforeAll(async () => {
    t = await createTestDatabase();
    await STATES[state](t);
    ({ db, plans } = planCollectingDb(t.url));
    result = await db.transaction().execute(async (tx) => {
      await explainEveryStatement(tx);
      return upsertRows(tx, 'assignments', USER, prepareRows('assignments', PART.map((id) => assignment(id, 1)), null).rows);
    });
  }, 60_000);
  afterAll(async () => {
    await db?.destroy();
    await t?.drop();
  });

  it('rewrites the part', async () => {
    expect(result).toEqual({ created: [], updated: PART });
    const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM canvas.assignments WHERE user_id = ${USER} AND name LIKE '% r1'`.execute(t.db);
    expect(stored.rows[0]!.n).toBe(PART.length);
  });

  it('probes each row of the pre-check by its primary key', () => {
    const probes = nodesOf(plans).filter((n) => n['Relation Name'] === 'assignments' && String(n['Node Type']).includes('Scan') && n['Actual Loops'] === PART.length);
    expect(probes.map((n) => n['Index Name'])).toEqual(['assignments_pkey']);
    // A probe through the (user_id, course_id) index filtered thousands of rows per row of the part.
    expect(probes[0]!['Rows Removed by Filter'] ?? 0).toBe(0);
  });

  it('deletes the old versions by their ctids, reading no other row', () => {
    const deletes = nodesOf(plans).filter((n) => n['Node Type'] === 'ModifyTable' && n.Operation === 'Delete');
    expect(deletes).toHaveLength(1);
    const scan = (deletes[0]!.Plans as PlanNode[])[0]!;
    expect([scan['Node Type'], scan['Actual Rows'], scan['Rows Removed by Filter'] ?? 0]).toEqual(['Tid Scan', PART.length, 0]);
  });
});

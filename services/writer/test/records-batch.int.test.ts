import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, MessageContext, RecordRow, SyncRecords, SyncRow } from '@canvas-sync/shared';
import { createTestDatabase, insertTestConnection, type TestDatabase } from '@canvas-sync/testkit';
import { recordsBatcher } from '../src/records/records-batcher.js';
import { noopWriterMetrics } from '../src/writer-metrics.js';

const assignment = (id: number, course: number): RecordRow => ({ id, course_id: course, assignment_group_id: 3, name: `A${id}`, points_possible: 10, published: true });
const submission = (id: number, assignmentId: number): RecordRow => ({ id, assignment_id: assignmentId, user_id: 9, score: 5, workflow_state: 'graded' });
const ctx = { msgId: 'm', correlationId: 'c', deliveryCount: 1, lastDelivery: false, traceparent: undefined, logger: pino({ level: 'silent' }) } as unknown as MessageContext;

/**
 * Group commit (issue #15): the parts queued together are written in one transaction, each
 * settled after the commit; a batch that fails is written again part by part, so a poison part
 * fails alone. BEGIN and COMMIT are counted with kysely's query log, as in records-round-trips.
 */
describe('records batcher', () => {
  let t: TestDatabase;
  let counted: Kysely<Database>;
  const sent: string[] = [];
  const published: SyncRow[] = [];
  let wakes = 0;
  beforeAll(async () => {
    t = await createTestDatabase();
    counted = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: t.url, max: 3 }) }), log: (e) => void (e.level === 'query' && sent.push(typeof e.query.sql === 'string' ? e.query.sql.trim().toLowerCase() : 'copy')) });
  });
  afterAll(async () => {
    await counted?.destroy();
    await t?.drop();
  });

  /** A running sync of `user` whose course units are `courses` (the courses unit is done). */
  const newSync = async (user: string, courses: number[]): Promise<string> => {
    const connectionId = await insertTestConnection(t.db, user);
    const id = randomUUID();
    await t.db
      .insertInto('syncs')
      .values({ id, user_id: user, connection_id: connectionId, status: 'running', scope: JSON.stringify({ type: 'all' }) as never, mode: 'incremental', dry_run: false, chunk_size: 10, traceparent: null, plan_ready: true, units_total: courses.length + 1 })
      .execute();
    await sql`INSERT INTO sync_units (sync_id, unit_key, course_id, state) VALUES (${id}, 'courses', NULL, 'done')`.execute(t.db);
    for (const c of courses) await sql`INSERT INTO sync_units (sync_id, unit_key, course_id, state) VALUES (${id}, ${`course:${c}`}, ${c}, 'pending')`.execute(t.db);
    return id;
  };
  const fetches = new Map<string, string>();
  const part = (syncId: string, userId: string, course: number, n: number, final: boolean): SyncRecords => {
    const key = `${syncId}:${course}`;
    if (!fetches.has(key)) fetches.set(key, randomUUID());
    const ids = [0, 1, 2].map((i) => course * 1000 + n * 10 + i);
    return { syncId, userId, run: 0, unitKey: `course:${course}`, fetchId: fetches.get(key)!, part: n, final, records: { assignments: ids.map((id) => assignment(id, course)), submissions: ids.map((id) => submission(id, id)) } };
  };
  const batcher = () =>
    recordsBatcher({ db: counted, publishProgress: async (row) => void published.push(row), metrics: noopWriterMetrics, committed: () => void wakes++ }, { maxParts: 8, slots: 1 });
  const sync = (id: string) => t.db.selectFrom('syncs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const count = (word: string) => sent.filter((s) => s === word).length;

  it('writes the parts of two syncs of two users queued together in one transaction, a duplicate counted once, each sync completed once', async () => {
    const a = await newSync('batch-a', [1, 2]);
    const b = await newSync('batch-b', [1]);
    const write = batcher();
    sent.length = 0;
    published.length = 0;
    wakes = 0;
    // Out of order, and part 0 of course 1 of sync a twice (a redelivery in the same batch).
    const parts = [part(b, 'batch-b', 1, 0, true), part(a, 'batch-a', 2, 0, true), part(a, 'batch-a', 1, 1, true), part(a, 'batch-a', 1, 0, false), part(a, 'batch-a', 1, 0, false)];
    expect(await Promise.all(parts.map((m) => write(m, ctx)))).toEqual(['ack', 'ack', 'ack', 'ack', 'ack']);
    expect(count('begin')).toBe(1);
    expect(count('commit')).toBe(1);
    expect(wakes).toBe(1);

    const [rowA, rowB] = [await sync(a), await sync(b)];
    expect(rowA).toMatchObject({ status: 'completed', units_done: 3 });
    expect(rowB).toMatchObject({ status: 'completed', units_done: 2 });
    // Sync a: 3 distinct parts of 3 rows per resource; the duplicate counted nothing.
    expect(rowA.counts.assignments).toEqual({ created: 9, updated: 0, unchanged: 0, deleted: 0 });
    expect(rowA.counts.submissions).toEqual({ created: 9, updated: 0, unchanged: 0, deleted: 0 });
    expect(rowB.counts.assignments).toEqual({ created: 3, updated: 0, unchanged: 0, deleted: 0 });
    const stored = await sql<{ user_id: string; n: number }>`SELECT user_id, count(*)::int AS n FROM canvas.assignments GROUP BY user_id ORDER BY user_id`.execute(t.db);
    expect(stored.rows).toEqual([{ user_id: 'batch-a', n: 9 }, { user_id: 'batch-b', n: 3 }]);
    const checkpoints = await sql<{ sync_id: string; n: number }>`SELECT sync_id, count(*)::int AS n FROM sync_unit_parts GROUP BY sync_id`.execute(t.db);
    expect(Object.fromEntries(checkpoints.rows.map((r) => [r.sync_id, r.n]))).toEqual({ [a]: 3, [b]: 1 });
    const feed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM change_feed WHERE user_id = 'batch-a'`.execute(t.db);
    expect(feed.rows[0]!.n).toBe(18);
    // Progress once per sync, its latest row: the completion.
    expect(published.map((p) => [p.id, p.status]).sort()).toEqual([[a, 'completed'], [b, 'completed']].sort());
  });

  it('a poison part (records for a sync of another user) fails alone; the parts queued with it commit', async () => {
    const c = await newSync('batch-c', [1]);
    const d = await newSync('batch-d', [1, 2]);
    const write = batcher();
    sent.length = 0;
    const results = await Promise.allSettled([write(part(d, 'batch-d', 1, 0, true), ctx), write(part(c, 'batch-d', 1, 0, true), ctx), write(part(d, 'batch-d', 2, 0, true), ctx)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'message_invalid' });
    // The batch rolled back, then each part alone: 1 + 3 transactions.
    expect(count('begin')).toBe(4);
    expect(count('rollback')).toBe(2);
    expect(await sync(d)).toMatchObject({ status: 'completed', units_done: 3 });
    expect(await sync(c)).toMatchObject({ status: 'running', counts: {} });
    const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM canvas.assignments WHERE user_id = 'batch-d'`.execute(t.db);
    expect(rows.rows[0]!.n).toBe(6);
  });

  it('a lone part is written at once in its own transaction', async () => {
    const e = await newSync('batch-e', [1]);
    sent.length = 0;
    expect(await batcher()(part(e, 'batch-e', 1, 0, true), ctx)).toBe('ack');
    expect(count('begin')).toBe(1);
    expect(await sync(e)).toMatchObject({ status: 'completed' });
  });
});

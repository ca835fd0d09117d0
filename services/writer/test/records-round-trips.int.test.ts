import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, MessageContext, RecordRow, SyncRecords } from '@canvas-sync/shared';
import { createTestDatabase, insertTestConnection, type TestDatabase } from '@canvas-sync/testkit';
import { recordsHandler } from '../src/records/records.handler.js';
import { noopWriterMetrics } from '../src/writer-metrics.js';

const USER = 'rt-user';
const assignment = (id: number, course: number): RecordRow => ({ id, course_id: course, assignment_group_id: 3, name: `A${id}`, points_possible: 10, published: true });
const submission = (id: number, assignmentId: number): RecordRow => ({ id, assignment_id: assignmentId, user_id: 9, score: 5, workflow_state: 'graded' });
const ctx = { msgId: 'm', correlationId: 'c', deliveryCount: 1, lastDelivery: false, traceparent: undefined, logger: pino({ level: 'silent' }) } as unknown as MessageContext;

/**
 * The round trips one records part costs (issue #15: the writer is CPU-bound, and much of its CPU
 * above the rows' own is per statement: kysely, pg and a socket write each). Counted with kysely's
 * query log, which sees every message the writer sends (BEGIN, COMMIT and the COPY included).
 * Besides a COPY per resource with changed rows, a part runs: BEGIN, the claim with the hash
 * pre-check of all its rows, the part's facts with the sync row's lock and its change events,
 * whether its fetch is complete (with, when it completed its unit, the sync row's update with the
 * unit totals), COMMIT. The parts of a sync serialize on the sync row's lock, held from the
 * statement that takes it to COMMIT, so the statements from that one on are counted apart.
 * Before #15 the parts below (2 resources) ran 15 statements (non-final) and 20 (final); before
 * the merges of the claim with the pre-check, the lock with the change events and the fetch check
 * with the sync row's update, 9 (4 under the lock) and 10 (5).
 */
describe('records part round trips', () => {
  let t: TestDatabase;
  let counted: Kysely<Database>;
  let statements: string[] = [];
  let syncId: string;
  const published: Array<{ status: string; units_done: number }> = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    counted = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: t.url, max: 3 }) }), log: (e) => void (e.level === 'query' && statements.push(e.query.sql)) });
    const connectionId = await insertTestConnection(t.db, USER);
    syncId = randomUUID();
    await t.db
      .insertInto('syncs')
      .values({ id: syncId, user_id: USER, connection_id: connectionId, status: 'running', scope: JSON.stringify({ type: 'all' }) as never, mode: 'incremental', dry_run: false, chunk_size: 10, traceparent: null, plan_ready: true, units_total: 3 })
      .execute();
    await sql`INSERT INTO sync_units (sync_id, unit_key, course_id, state) VALUES (${syncId}, 'course:1', 1, 'pending'), (${syncId}, 'course:2', 2, 'pending'), (${syncId}, 'courses', NULL, 'done')`.execute(t.db);
  });
  afterAll(async () => {
    await counted?.destroy();
    await t?.drop();
  });

  const fetches = new Map<string, string>();
  const part = (course: number, n: number, final: boolean, records: SyncRecords['records']): SyncRecords => {
    const unitKey = `course:${course}`;
    if (!fetches.has(unitKey)) fetches.set(unitKey, randomUUID());
    return { syncId, userId: USER, run: 0, unitKey, fetchId: fetches.get(unitKey)!, part: n, final, records };
  };
  const rows = (course: number, from: number) => ({
    assignments: [0, 1, 2].map((i) => assignment(course * 1000 + from + i, course)),
    submissions: [0, 1, 2].map((i) => submission(course * 1000 + from + i, course * 1000 + from + i)),
  });
  /** Runs one part through the handler on the counting pool; returns the statements it sent. */
  const write = async (m: SyncRecords): Promise<number> => {
    statements = [];
    await recordsHandler({ db: counted, publishProgress: async (row) => void published.push(row), metrics: noopWriterMetrics })(m, ctx);
    return statements.length;
  };
  /** Of the last part's statements, those from the one that locked the sync row (an `UPDATE` of it) to COMMIT. */
  const underLock = (): number => {
    const at = statements.findIndex((q) => /update\s+"?syncs"?\s+set/i.test(q));
    return at < 0 ? 0 : statements.length - at;
  };
  const sync = () => t.db.selectFrom('syncs').selectAll().where('id', '=', syncId).executeTakeFirstOrThrow();

  it('a non-final part: a COPY per resource, then 5 statements (BEGIN, claim + pre-check, facts + lock + change events, fetch check, COMMIT), 3 under the lock', async () => {
    const before = await sync();
    const n = await write(part(1, 0, false, rows(1, 0)));
    expect(n).toBe(2 + 5);
    expect(underLock()).toBe(3);
    expect(await sync()).toMatchObject({ seq: before.seq, units_done: before.units_done, counts: {} });
  });

  it('the final part of a course unit: a COPY per resource, then the same 5 statements (the fetch check updates the sync row with the unit totals)', async () => {
    const n = await write(part(1, 1, true, rows(1, 10)));
    expect(n).toBe(2 + 5);
    expect(underLock()).toBe(3);
    const row = await sync();
    expect(row.status).toBe('running');
    expect(row.units_done).toBe(2);
    expect(row.units_total).toBe(3);
    expect(row.counts.assignments).toEqual({ created: 6, updated: 0, unchanged: 0, deleted: 0 });
    expect(row.counts.submissions).toEqual({ created: 6, updated: 0, unchanged: 0, deleted: 0 });
    expect(published.at(-1)).toMatchObject({ status: 'running', units_done: 2 });
  });

  it('a redelivered part: BEGIN, the claim that finds it written, COMMIT; nothing counted twice', async () => {
    const before = await sync();
    expect(await write(part(1, 1, true, rows(1, 10)))).toBe(3);
    expect(underLock()).toBe(0);
    expect(await write(part(1, 0, false, rows(1, 0)))).toBe(3);
    const after = await sync();
    expect(after.counts).toEqual(before.counts);
    expect(after.units_done).toBe(2);
    expect(after.seq).toBe(before.seq);
  });

  it('the same last part twice at once: one writes and completes the sync, the other writes nothing', async () => {
    expect(await write(part(2, 0, false, rows(2, 0)))).toBe(2 + 5);
    const last = part(2, 1, true, rows(2, 10));
    await Promise.all([write(last), write(last)]);
    const row = await sync();
    expect(row.status).toBe('completed');
    expect(row.units_done).toBe(3);
    expect(row.counts.assignments).toEqual({ created: 12, updated: 0, unchanged: 0, deleted: 0 });
    expect(row.counts.submissions).toEqual({ created: 12, updated: 0, unchanged: 0, deleted: 0 });
    const feed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM change_feed WHERE user_id = ${USER}`.execute(t.db);
    expect(feed.rows[0]!.n).toBe(24);
    expect(published.filter((p) => p.status === 'completed')).toHaveLength(1);
  });
});

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, MessageContext, RecordRow, SyncRecords } from '@canvas-sync/shared';
import { createTestDatabase, type TestDatabase } from '@canvas-sync/testkit';
import { recordsHandler } from '../src/records/records.handler.js';
import { noopWriterMetrics } from '../src/writer-metrics.js';

const USER = 'rt-user';
const assignment = (id: number, course: number): RecordRow => ({ id, course_id: course, assignment_group_id: 3, name: `A${id}`, points_possible: 10, published: true });
const submission = (id: number, assignmentId: number): RecordRow => ({ id, assignment_id: assignmentId, user_id: 9, score: 5, workflow_state: 'graded' });
const ctx = { msgId: 'm', correlationId: 'c', deliveryCount: 1, lastDelivery: false, traceparent: undefined, logger: pino({ level: 'silent' }) } as unknown as MessageContext;

/**
 * The round trips one records part costs (issue #15: the writer is CPU-bound, and a third of its
 * CPU is socket writes, about one per statement). Counted with kysely's query log, which sees
 * every message the writer sends (BEGIN, COMMIT and the COPY included). Besides a COPY per
 * resource with changed rows, a part runs: BEGIN, the claim, one hash pre-check for all its rows,
 * the part's facts with the sync row's lock, the change events (`recordChanges`, 3), whether its
 * fetch is complete, COMMIT; and when it completes its unit, the sync row's update with the unit
 * totals. Before #15 the parts below (2 resources) ran 15 statements (non-final) and 20 (final).
 */
describe('records part round trips', () => {
  let t: TestDatabase;
  let counted: Kysely<Database>;
  let statements = 0;
  let syncId: string;
  const published: Array<{ status: string; units_done: number }> = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    counted = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: t.url, max: 3 }) }), log: (e) => void (e.level === 'query' && statements++) });
    const connection = await t.db
      .insertInto('connections')
      .values({ user_id: USER, base_url: 'https://canvas.example.edu', token_ciphertext: 'x', token_key_id: 'k', canvas_user: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    syncId = randomUUID();
    await t.db
      .insertInto('syncs')
      .values({ id: syncId, user_id: USER, connection_id: connection.id, status: 'running', scope: JSON.stringify({ type: 'all' }) as never, mode: 'incremental', dry_run: false, chunk_size: 10, traceparent: null, plan_ready: true, units_total: 3 })
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
    statements = 0;
    await recordsHandler({ db: counted, publishProgress: async (row) => void published.push(row), metrics: noopWriterMetrics })(m, ctx);
    return statements;
  };
  const sync = () => t.db.selectFrom('syncs').selectAll().where('id', '=', syncId).executeTakeFirstOrThrow();

  it('a non-final part: a COPY per resource, then 9 statements (BEGIN, claim, pre-check, facts + lock, 3 change statements, fetch check, COMMIT)', async () => {
    const before = await sync();
    const n = await write(part(1, 0, false, rows(1, 0)));
    expect(n).toBeLessThanOrEqual(2 + 9);
    expect(await sync()).toMatchObject({ seq: before.seq, units_done: before.units_done, counts: {} });
  });

  it('the final part of a course unit: a COPY per resource, then 10 statements (the sync row updated with the unit totals)', async () => {
    const n = await write(part(1, 1, true, rows(1, 10)));
    expect(n).toBeLessThanOrEqual(2 + 10);
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
    expect(await write(part(1, 1, true, rows(1, 10)))).toBeLessThanOrEqual(3);
    expect(await write(part(1, 0, false, rows(1, 0)))).toBeLessThanOrEqual(3);
    const after = await sync();
    expect(after.counts).toEqual(before.counts);
    expect(after.units_done).toBe(2);
    expect(after.seq).toBe(before.seq);
  });

  it('the same last part twice at once: one writes and completes the sync, the other writes nothing', async () => {
    expect(await write(part(2, 0, false, rows(2, 0)))).toBeLessThanOrEqual(2 + 9);
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

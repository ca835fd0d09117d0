import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageContext, RecordRow, SyncRecords } from '@canvas-sync/shared';
import { createTestDatabase, insertTestConnection, type TestDatabase } from '@canvas-sync/testkit';
import { recordsHandler } from '../src/records/records.handler.js';
import { noopWriterMetrics } from '../src/writer-metrics.js';

const ctx = { msgId: 'm', correlationId: 'c', deliveryCount: 1, lastDelivery: false, traceparent: undefined, logger: pino({ level: 'silent' }) } as unknown as MessageContext;
const assignment = (id: number, course: number): RecordRow => ({ id, course_id: course, assignment_group_id: 3, name: `A${id}`, points_possible: 10, published: true });
const submission = (id: number): RecordRow => ({ id, assignment_id: id, user_id: 9, score: 5, workflow_state: 'graded' });

/**
 * What the fetch check does when a part completes its unit, in the one statement that also
 * updates the sync row (records.handler.ts, issue #15): the fetch's counts summed over its parts
 * and added to the sync's, the unit totals with the unit just finished, the progress message and
 * phase; whichever part comes last, in order or not. And a dry run: a diff, no rows, no changes.
 */
describe('records parts: the unit checkpoint and the sync row', () => {
  let t: TestDatabase;
  let connectionId: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    connectionId = await insertTestConnection(t.db, 'ck-user');
  });
  afterAll(async () => {
    await t?.drop();
  });

  const newSync = async (userId: string, dryRun: boolean, units: string[], counts: object = {}) => {
    const id = randomUUID();
    await t.db
      .insertInto('syncs')
      .values({ id, user_id: userId, connection_id: connectionId, status: 'running', scope: JSON.stringify({ type: 'all' }) as never, mode: 'incremental', dry_run: dryRun, chunk_size: 10, traceparent: null, plan_ready: true, units_total: units.length + 1 })
      .execute();
    await sql`UPDATE syncs SET counts = ${JSON.stringify(counts)}::jsonb, phase = 'fetching' WHERE id = ${id}`.execute(t.db);
    for (const unit of units) await sql`INSERT INTO sync_units (sync_id, unit_key, course_id, state) VALUES (${id}, ${unit}, ${unit === 'courses' ? null : Number(unit.slice(7))}, ${unit === 'courses' ? 'done' : 'pending'})`.execute(t.db);
    return id;
  };
  const write = (m: SyncRecords) => recordsHandler({ db: t.db, publishProgress: async () => {}, metrics: noopWriterMetrics })(m, ctx);
  const sync = (id: string) => t.db.selectFrom('syncs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const part = (syncId: string, userId: string, unitKey: string, fetchId: string, n: number, final: boolean, records: SyncRecords['records']): SyncRecords => ({ syncId, userId, run: 0, unitKey, fetchId, part: n, final, records });

  it('the part that completes the fetch, first or last: the counts of all its parts added, the others kept; totals, message and phase', async () => {
    const user = 'ck-user';
    await sql`INSERT INTO canvas.courses (user_id, id, raw, content_hash, name) VALUES (${user}, 1, '{}'::jsonb, 'h', ${'Intro\u0007  to   CS'})`.execute(t.db);
    const courses = { created: 2, updated: 0, unchanged: 1, deleted: 0 };
    const id = await newSync(user, false, ['courses', 'course:1', 'course:2', 'course:3'], { courses });
    const f1 = randomUUID();
    // The final part first: the fetch is not complete, nothing on the sync row moves.
    const before = await sync(id);
    await write(part(id, user, 'course:1', f1, 1, true, { assignments: [assignment(11, 1), assignment(12, 1)] }));
    expect(await sync(id)).toMatchObject({ seq: before.seq, units_done: before.units_done, counts: { courses } });
    // The part before it completes it.
    await write(part(id, user, 'course:1', f1, 0, false, { assignments: [assignment(13, 1), assignment(14, 1), assignment(15, 1)], submissions: [submission(13)] }));
    const one = await sync(id);
    expect(one).toMatchObject({ status: 'running', phase: 'fetching', message: 'Syncing course: Intro to CS', seq: before.seq + 1, units_done: 2, units_total: 4 });
    expect(one.counts).toEqual({
      courses,
      assignments: { created: 5, updated: 0, unchanged: 0, deleted: 0 },
      submissions: { created: 1, updated: 0, unchanged: 0, deleted: 0 },
    });

    // While the sync waits for Canvas, a finished unit leaves its phase and message alone.
    await sql`UPDATE syncs SET phase = 'waiting_for_canvas', message = 'Canvas asked us to wait' WHERE id = ${id}`.execute(t.db);
    await write(part(id, user, 'course:2', randomUUID(), 0, true, { assignments: [assignment(11, 1), assignment(21, 2)] }));
    const two = await sync(id);
    expect(two).toMatchObject({ status: 'running', phase: 'waiting_for_canvas', message: 'Canvas asked us to wait', units_done: 3 });
    expect(two.counts.assignments).toEqual({ created: 6, updated: 0, unchanged: 1, deleted: 0 });

    // The last unit completes the sync (a unit the plan did not list is counted too).
    await write(part(id, user, 'course:3', randomUUID(), 0, true, { assignments: [assignment(31, 3)] }));
    const done = await sync(id);
    expect(done).toMatchObject({ status: 'completed', phase: 'done', units_done: 4, units_total: 4 });
    expect(done.counts.assignments).toEqual({ created: 7, updated: 0, unchanged: 1, deleted: 0 });
    const feed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM change_feed WHERE user_id = ${user}`.execute(t.db);
    expect(feed.rows[0]!.n).toBe(8);
  });

  it('a dry run: the course list unit is added when first finished; a diff, and no rows, no change events, no feed', async () => {
    const user = 'ck-dry';
    const id = await newSync(user, true, ['course:1']);
    await write(part(id, user, 'courses', randomUUID(), 0, true, { courses: [{ id: 1, name: 'Dry course' }] }));
    expect(await sync(id)).toMatchObject({ status: 'running', units_done: 1, units_total: 2, message: 'Fetched the course list' });
    await write(part(id, user, 'course:1', randomUUID(), 0, true, { assignments: [assignment(11, 1)] }));
    const done = await sync(id);
    expect(done).toMatchObject({ status: 'completed', units_done: 2, units_total: 2 });
    expect(done.counts.courses).toEqual({ created: 1, updated: 0, unchanged: 0, deleted: 0 });
    expect(done.diff).toMatchObject({ courses: { create: [1] }, assignments: { create: [11] } });
    const written = await sql<{ rows: number; feed: number; events: number; counter: number }>`
      SELECT (SELECT count(*) FROM canvas.courses WHERE user_id = ${user})::int + (SELECT count(*) FROM canvas.assignments WHERE user_id = ${user})::int AS rows,
             (SELECT count(*) FROM change_feed WHERE user_id = ${user})::int AS feed,
             (SELECT count(*) FROM event_outbox WHERE user_id = ${user} AND type = 'canvas.changes')::int AS events,
             (SELECT coalesce(sum(feed_seq), 0) FROM change_counters WHERE user_id = ${user})::int AS counter`.execute(t.db);
    expect(written.rows[0]).toEqual({ rows: 0, feed: 0, events: 0, counter: 0 });
  });
});

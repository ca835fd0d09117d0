import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageContext, RecordRow, SyncRecords } from '@canvas-sync/shared';
import { createTestDatabase, insertTestConnection, type TestDatabase } from '@canvas-sync/testkit';
import { recordsHandler } from '../src/records/records.handler.js';
import { noopWriterMetrics } from '../src/writer-metrics.js';

const ctx = { msgId: 'm', correlationId: 'c', deliveryCount: 1, lastDelivery: false, traceparent: undefined, logger: pino({ level: 'silent' }) } as unknown as MessageContext;
const USER = 'un-user';
const group: RecordRow = { id: 5, name: 'Homework', position: 1, group_weight: 0 };
const assignment = (id: number, name = `A${id}`): RecordRow => ({ id, course_id: 1, assignment_group_id: 5, name, points_possible: 10, published: true });
const submission = (id: number): RecordRow => ({ id, assignment_id: id, user_id: 9, score: 5, workflow_state: 'graded' });
const counts = (created: number, updated: number, unchanged: number, deleted = 0) => ({ created, updated, unchanged, deleted });

/**
 * A part's `unchanged` ids (rows the fetcher found stored with the same content hash and sent
 * without their text, SyncRecords.unchanged): the writer counts them, keeps them in what the
 * unit saw (a full sync's sweep leaves them), writes nothing and records no change for them; in
 * a dry run they count too; a redelivered part changes nothing.
 */
describe('records parts with unchanged ids', () => {
  let t: TestDatabase;
  let connectionId: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    connectionId = await insertTestConnection(t.db, USER);
    // The first sync: every row as text.
    const first = await newSync('full', false);
    await write(part(first, 'courses', 0, true, { courses: [{ id: 1, name: 'Course one' }] }));
    await write(part(first, 'course:1', 0, true, { assignment_groups: [group], assignments: [11, 12, 13].map((id) => assignment(id)), submissions: [11, 12, 13].map(submission) }));
    expect(await sync(first)).toMatchObject({ status: 'completed' });
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** A running sync of USER with the course list unit and `course:1` pending. */
  const newSync = async (mode: 'full' | 'incremental', dryRun: boolean) => {
    const id = randomUUID();
    await t.db
      .insertInto('syncs')
      .values({ id, user_id: USER, connection_id: connectionId, status: 'running', scope: JSON.stringify({ type: 'all' }) as never, mode, dry_run: dryRun, chunk_size: 10, traceparent: null, plan_ready: true, units_total: 2 })
      .execute();
    await sql`INSERT INTO sync_units (sync_id, unit_key, course_id, state) VALUES (${id}, 'courses', NULL, 'pending'), (${id}, 'course:1', 1, 'pending')`.execute(t.db);
    return id;
  };
  const fetches = new Map<string, string>();
  const part = (syncId: string, unitKey: string, n: number, final: boolean, records: SyncRecords['records'], unchanged?: SyncRecords['unchanged']): SyncRecords => {
    const key = `${syncId}:${unitKey}`;
    if (!fetches.has(key)) fetches.set(key, randomUUID());
    return { syncId, userId: USER, run: 0, unitKey, fetchId: fetches.get(key)!, part: n, final, ...(unchanged ? { unchanged } : {}), records };
  };
  const write = (m: SyncRecords) => recordsHandler({ db: t.db, publishProgress: async () => {}, metrics: noopWriterMetrics })(m, ctx);
  const sync = (id: string) => t.db.selectFrom('syncs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const stamps = async () =>
    (await sql<{ id: number; synced_at: Date; deleted: boolean; name: string | null }>`SELECT id, synced_at, deleted_at IS NOT NULL AS deleted, name FROM canvas.assignments WHERE user_id = ${USER} ORDER BY id`.execute(t.db)).rows;
  /** The change feed's rows after `from` (a `lastSeq()`). */
  const feed = async (from: number) => (await sql<{ resource: string; id: number; action: string }>`SELECT resource, id::int, action FROM change_feed WHERE user_id = ${USER} AND seq > ${from} ORDER BY seq`.execute(t.db)).rows;
  const lastSeq = async () => (await sql<{ n: number }>`SELECT coalesce(max(seq), 0)::int AS n FROM change_feed WHERE user_id = ${USER}`.execute(t.db)).rows[0]!.n;

  it('counts unchanged ids once each (not when the part also carries the row), as seen; writes and records nothing for them; a redelivery changes nothing', async () => {
    const id = await newSync('incremental', false);
    const from = await lastSeq();
    await write(part(id, 'courses', 0, true, {}, { courses: [1] }));
    const before = await stamps();
    // Part 0: assignment 12 changed (its row), 11 twice and 12 again as ids (a walk that met them twice); all submissions unchanged.
    const p0 = part(id, 'course:1', 0, false, { assignments: [assignment(12, 'Renamed')] }, { assignments: [11, 11, 12], submissions: [11, 12, 13] });
    await write(p0);
    // Part 1: ids only, of resources with no row in the part.
    await write(part(id, 'course:1', 1, true, {}, { assignment_groups: [5], assignments: [13] }));
    const done = await sync(id);
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ courses: counts(0, 0, 1), assignment_groups: counts(0, 0, 1), assignments: counts(0, 1, 2), submissions: counts(0, 0, 3) });
    const after = await stamps();
    expect(after.find((r) => r.id === 12)!.name).toBe('Renamed');
    for (const unchanged of [11, 13]) expect(after.find((r) => r.id === unchanged)).toEqual(before.find((r) => r.id === unchanged));
    expect(await feed(from)).toEqual([{ resource: 'assignments', id: 12, action: 'updated' }]);
    const seen = await sql<{ part: number; seen: Record<string, number[]> }>`SELECT part, seen FROM sync_unit_parts WHERE sync_id = ${id} AND unit_key = 'course:1' ORDER BY part`.execute(t.db);
    expect(seen.rows.map((r) => r.seen)).toEqual([{ assignments: [12, 11], submissions: [11, 12, 13] }, { assignment_groups: [5], assignments: [13] }]);

    // Redelivered: claimed already, nothing counted or recorded twice.
    await write(p0);
    expect((await sync(id)).counts).toEqual(done.counts);
    expect(await feed(from)).toHaveLength(1);
  });

  it("a full sync's sweep keeps the rows seen only as ids, and marks exactly the unseen one deleted", async () => {
    const id = await newSync('full', false);
    const from = await lastSeq();
    await write(part(id, 'courses', 0, true, {}, { courses: [1] }));
    await write(part(id, 'course:1', 0, true, {}, { assignment_groups: [5], assignments: [11, 12], submissions: [11, 12, 13] }));
    const done = await sync(id);
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ courses: counts(0, 0, 1), assignment_groups: counts(0, 0, 1), assignments: counts(0, 0, 2, 1), submissions: counts(0, 0, 3) });
    expect((await stamps()).map((r) => [r.id, r.deleted])).toEqual([
      [11, false],
      [12, false],
      [13, true],
    ]);
    const live = await sql<{ n: number }>`
      SELECT (SELECT count(*) FROM canvas.courses WHERE user_id = ${USER} AND deleted_at IS NULL)::int
        + (SELECT count(*) FROM canvas.assignment_groups WHERE user_id = ${USER} AND deleted_at IS NULL)::int
        + (SELECT count(*) FROM canvas.submissions WHERE user_id = ${USER} AND deleted_at IS NULL)::int AS n`.execute(t.db);
    expect(live.rows[0]!.n).toBe(1 + 1 + 3);
    expect(await feed(from)).toEqual([{ resource: 'assignments', id: 13, action: 'deleted' }]);
  });

  it('a dry run counts unchanged ids and leaves them out of its diff, which writes nothing', async () => {
    const id = await newSync('full', true);
    const from = await lastSeq();
    await write(part(id, 'courses', 0, true, {}, { courses: [1] }));
    await write(part(id, 'course:1', 0, true, { assignments: [assignment(14)] }, { assignment_groups: [5], assignments: [11], submissions: [11, 12, 13] }));
    const done = await sync(id);
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ courses: counts(0, 0, 1), assignment_groups: counts(0, 0, 1), assignments: counts(1, 0, 1, 1), submissions: counts(0, 0, 3) });
    expect(done.diff).toEqual({
      terms: { create: [], update: [], delete: [] },
      courses: { create: [], update: [], delete: [] },
      assignment_groups: { create: [], update: [], delete: [] },
      assignments: { create: [14], update: [], delete: [12] },
      submissions: { create: [], update: [], delete: [] },
    });
    expect((await stamps()).map((r) => [r.id, r.deleted])).toEqual([
      [11, false],
      [12, false],
      [13, true],
    ]);
    expect(await feed(from)).toEqual([]);
  });
});

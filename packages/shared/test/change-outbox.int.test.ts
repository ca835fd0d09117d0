import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@canvas-sync/testkit';
import { createDb, recordChanges, type ChangeBatch, type Database } from '@canvas-sync/shared';
import type { Kysely } from 'kysely';

const SYNC = '00000000-0000-4000-8000-000000000001';

/**
 * `recordChanges` costs one statement (one round trip) per write: the writer's CPU is mostly round
 * trips (#15). Its ordering and gap-freedom under concurrency are services/api/test/change-feed.int.test.ts's.
 */
describe('recordChanges', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  const statements: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb({ url: database.url, poolMax: 1, log: (e) => void (e.level === 'query' && statements.push(e.query.sql)) });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  /** The statements a transaction ran between its begin and its commit. */
  const inTransaction = async (work: (tx: Kysely<Database>) => Promise<void>) => {
    statements.length = 0;
    await db.transaction().execute(work);
    return statements.filter((s) => !/^(begin|commit)$/i.test(s.trim()));
  };

  it('writes the counter, the events and the feed rows in one statement, numbered on from the counter', async () => {
    const batch: ChangeBatch = { resource: 'courses', created: [1, 2], updated: [3], deleted: [] };
    expect(await inTransaction((tx) => recordChanges(tx, { userId: 'u1', syncId: SYNC, batches: [batch] }))).toHaveLength(1);
    expect(await inTransaction((tx) => recordChanges(tx, { userId: 'u1', syncId: SYNC, batches: [{ resource: 'assignments', created: [], updated: [], deleted: [7] }] }))).toHaveLength(1);

    const feed = await db.selectFrom('change_feed').select(['seq', 'resource', 'id', 'action']).where('user_id', '=', 'u1').orderBy('seq').execute();
    expect(feed.map((f) => [f.seq, f.resource, f.id, f.action])).toEqual([[1, 'courses', 1, 'created'], [2, 'courses', 2, 'created'], [3, 'courses', 3, 'updated'], [4, 'assignments', 7, 'deleted']]);
    const events = await db.selectFrom('event_outbox').select(['user_seq', 'type', 'correlation_id', 'payload']).where('user_id', '=', 'u1').orderBy('user_seq').execute();
    expect(events.map((e) => [e.user_seq, e.type, e.correlation_id])).toEqual([[1, 'canvas.changes', SYNC], [2, 'canvas.changes', SYNC]]);
    expect(events[1]!.payload).toMatchObject({ userId: 'u1', syncId: SYNC, deleted: [7] });
    const counter = await db.selectFrom('change_counters').select(['feed_seq', 'event_seq']).where('user_id', '=', 'u1').executeTakeFirstOrThrow();
    expect(counter).toEqual({ feed_seq: 4, event_seq: 2 });
  });

  it('runs no statement when there is nothing to record', async () => {
    expect(await inTransaction((tx) => recordChanges(tx, { userId: 'u2', syncId: SYNC, batches: [{ resource: 'courses', created: [], updated: [], deleted: [] }] }))).toEqual([]);
    expect(await db.selectFrom('change_counters').select('user_id').where('user_id', '=', 'u2').execute()).toEqual([]);
  });
});

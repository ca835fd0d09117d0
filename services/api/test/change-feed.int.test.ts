import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, recordChanges } from '@canvas-sync/shared';
import { changeFeedStore } from '../src/changes/changes.repository.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

const SYNC = '00000000-0000-4000-8000-000000000001';

/**
 * `GET /api/v1/canvas/changes` over a real Postgres: paging with opaque cursors, the stable codes
 * of bad, foreign and expired cursors, and the feed's central promise: a reader polling while
 * many transactions of one user commit in any order never misses a change and never sees one twice.
 */
describe('change feed', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => h.close());

  const get = async (userId: string, query = '') => h.app.inject({ method: 'GET', url: `/api/v1/canvas/changes${query}`, headers: await h.auth(userId) });
  const write = (userId: string, batches: Parameters<typeof recordChanges>[1]['batches']) =>
    h.database.db.transaction().execute((tx) => recordChanges(tx, { userId, syncId: SYNC, batches }));

  it('pages through the user\'s changes in order with an opaque cursor, and only theirs', async () => {
    await write('feed-a', [{ resource: 'courses', created: [10, 11], updated: [], deleted: [] }]);
    await write('feed-b', [{ resource: 'courses', created: [99], updated: [], deleted: [] }]);
    await write('feed-a', [{ resource: 'assignments', created: [], updated: [500], deleted: [501] }]);

    const first = await get('feed-a', '?limit=3');
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.items.map((i: { seq: number; resource: string; id: number; action: string }) => [i.seq, i.resource, i.id, i.action])).toEqual([
      [1, 'courses', 10, 'created'],
      [2, 'courses', 11, 'created'],
      [3, 'assignments', 500, 'updated'],
    ]);
    expect(new Date(page1.items[0].at).toString()).not.toBe('Invalid Date');
    const page2 = (await get('feed-a', `?limit=3&cursor=${page1.nextCursor}`)).json();
    expect(page2.items.map((i: { id: number; action: string }) => [i.id, i.action])).toEqual([[501, 'deleted']]);
    // At the end: no items, and a cursor to poll with that stays put.
    const page3 = (await get('feed-a', `?cursor=${page2.nextCursor}`)).json();
    expect(page3).toEqual({ items: [], nextCursor: page2.nextCursor });
    expect((await get('feed-b')).json().items.map((i: { id: number }) => i.id)).toEqual([99]);
    expect((await get('feed-c')).json().items).toEqual([]);
  });

  it('refuses bad cursors, another user\'s cursor and a limit past the maximum with stable codes', async () => {
    const theirs = (await get('feed-b')).json().nextCursor as string;
    for (const cursor of ['nonsense', 'c1.zzzzzzzzzzzz.00000000', 'c1.1.0000000g', '', theirs]) {
      const res = await get('feed-a', `?cursor=${encodeURIComponent(cursor)}`);
      expect(res.statusCode, cursor).toBe(400);
      expect(res.json().error.code, cursor).toBe('cursor_invalid');
    }
    for (const limit of ['0', '1001', 'ten']) expect((await get('feed-a', `?limit=${limit}`)).json().error.code).toBe('validation_failed');
    expect((await get('feed-a', '?limit=1000')).statusCode).toBe(200);
  });

  it('answers cursor_expired (410) for a cursor from before pruned or erased changes', async () => {
    await write('feed-e', [{ resource: 'courses', created: [1, 2, 3], updated: [], deleted: [] }]);
    const start = (await get('feed-e', '?limit=1')).json().nextCursor as string;
    // What the writer's retention does: rows go, the counter remembers how far.
    await sql`DELETE FROM change_feed WHERE user_id = 'feed-e' AND seq <= 2`.execute(h.database.db);
    await sql`UPDATE change_counters SET feed_pruned_through = 2 WHERE user_id = 'feed-e'`.execute(h.database.db);
    const res = await get('feed-e', `?cursor=${start}`);
    expect(res.statusCode).toBe(410);
    expect(res.json().error.code).toBe('cursor_expired');
    // Without a cursor a client starts again at the oldest kept change.
    expect((await get('feed-e')).json().items.map((i: { seq: number }) => i.seq)).toEqual([3]);
    // Erasing the user's data drops changes a cursor has not read yet: that cursor expires; numbering goes on.
    const before = (await get('feed-e')).json().nextCursor as string;
    await write('feed-e', [{ resource: 'courses', created: [4], updated: [], deleted: [] }]);
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/canvas/data', headers: await h.auth('feed-e') })).statusCode).toBe(204);
    expect((await get('feed-e', `?cursor=${before}`)).json().error.code).toBe('cursor_expired');
    await write('feed-e', [{ resource: 'courses', created: [5], updated: [], deleted: [] }]);
    expect((await get('feed-e')).json().items.map((i: { seq: number; id: number }) => [i.seq, i.id])).toEqual([[5, 5]]);
  });

  it('a cancel writes its sync.finished in the same transaction, once', async () => {
    const USER = 'feed-cancel';
    const put = await h.app.inject({ method: 'PUT', url: '/api/v1/canvas/connection', headers: await h.auth(USER), payload: { baseUrl: 'http://127.0.0.1:9', accessToken: 'tok' } });
    expect(put.statusCode).toBe(204);
    const started = await h.app.inject({ method: 'POST', url: '/api/v1/syncs', headers: await h.auth(USER), payload: { scope: { type: 'all' }, mode: 'full' } });
    const syncId = started.json().id as string;
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/syncs/${syncId}/cancel`, headers: await h.auth(USER) })).statusCode).toBe(202);
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/syncs/${syncId}/cancel`, headers: await h.auth(USER) })).statusCode).toBe(409);
    const events = await h.database.db.selectFrom('event_outbox').select(['type', 'payload', 'correlation_id']).where('user_id', '=', USER).execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'sync.finished', correlation_id: syncId, payload: { syncId, userId: USER, status: 'cancelled', trigger: 'user', dryRun: false, counts: {} } });
  });

  it('is listed in /openapi.json', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const op = doc.paths['/api/v1/canvas/changes'].get;
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'limit']);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '410']));
  });

  it('a reader polling during concurrent commits of one user sees every change once, in order', async () => {
    const USER = 'feed-concurrent';
    // Pools of their own: the writers really run at once, and the reader never waits for them.
    const writers = createDb({ url: h.database.url, poolMax: 12 });
    const readerDb = createDb({ url: h.database.url, poolMax: 1 });
    const store = changeFeedStore(readerDb);
    const WRITERS = 12;
    const ROUNDS = 6;
    const TOTAL = WRITERS * ROUNDS * 2;
    // Each transaction numbers its rows and then waits a random while before committing: without
    // the counter's lock, a transaction numbered later would often commit first.
    const writer = async (w: number) => {
      for (let r = 0; r < ROUNDS; r++) {
        await writers.transaction().execute(async (tx) => {
          await sleep(Math.random() * 10);
          await recordChanges(tx, { userId: USER, syncId: SYNC, batches: [{ resource: 'assignments', created: [w * 1000 + r * 10, w * 1000 + r * 10 + 1], updated: [], deleted: [] }] });
          await sleep(Math.random() * 20);
        });
      }
    };
    const seen: Array<{ seq: number; id: number }> = [];
    let writing = true;
    const reader = async () => {
      let cursor = 0;
      for (;;) {
        // Read before the query: an empty answer ends the reader only when every writer had
        // committed before the query began (CI once caught the last commit landing between an
        // empty read and the check, and the reader stopping 2 rows short).
        const writersDone = !writing;
        const rows = await store.after(USER, cursor, 7);
        for (const row of rows) seen.push({ seq: row.seq, id: row.id });
        if (rows.length > 0) cursor = rows[rows.length - 1]!.seq;
        else if (writersDone) return;
        else await sleep(1);
      }
    };
    try {
      const readerDone = reader();
      await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
      writing = false;
      await readerDone;
    } finally {
      await writers.destroy();
      await readerDb.destroy();
    }
    // No gaps, no duplicates: exactly 1..N in order, and every written id exactly once.
    expect(seen.map((s) => s.seq)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    expect(new Set(seen.map((s) => s.id)).size).toBe(TOTAL);
    // A transaction's two rows are adjacent (numbered together, under one lock).
    for (let i = 0; i < seen.length; i += 2) expect(seen[i + 1]!.id).toBe(seen[i]!.id + 1);
  });
});

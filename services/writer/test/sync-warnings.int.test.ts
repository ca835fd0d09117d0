import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, insertTestConnection, type TestDatabase } from '@canvas-sync/testkit';
import { addWarnings, MAX_SYNC_WARNINGS } from '../src/checkpoints/syncs.repository.js';

describe('addWarnings', () => {
  let t: TestDatabase;
  let syncId: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    const connectionId = await insertTestConnection(t.db, 'warn-user');
    syncId = randomUUID();
    await t.db
      .insertInto('syncs')
      .values({ id: syncId, user_id: 'warn-user', connection_id: connectionId, status: 'running', scope: JSON.stringify({ type: 'all' }) as never, mode: 'full', dry_run: false, chunk_size: 10, traceparent: null })
      .execute();
  });
  afterAll(async () => t?.drop());

  const add = (more: Array<{ code: string; message: string; unitKey?: string }>) =>
    t.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('syncs').select('warnings').where('id', '=', syncId).forNoKeyUpdate().executeTakeFirstOrThrow();
      return addWarnings(tx, syncId, row.warnings, more);
    });
  const stored = async () => (await t.db.selectFrom('syncs').select('warnings').where('id', '=', syncId).executeTakeFirstOrThrow()).warnings;

  it('adds a warning once: a re-fetched unit saying the same adds nothing', async () => {
    const w = { code: 'canvas_value_unfit', message: 'Kept 1 row of assignments …', unitKey: 'course:1' };
    expect(await add([w, w])).toBe(true);
    expect(await add([w])).toBe(false);
    expect(await add([{ ...w, unitKey: 'course:2' }])).toBe(true);
    expect(await stored()).toEqual([w, { ...w, unitKey: 'course:2' }]);
  });

  it(`keeps the latest ${MAX_SYNC_WARNINGS}`, async () => {
    await add(Array.from({ length: MAX_SYNC_WARNINGS + 20 }, (_, i) => ({ code: 'canvas_value_unfit', message: `m${i}`, unitKey: `course:${i}` })));
    const list = await stored();
    expect(list).toHaveLength(MAX_SYNC_WARNINGS);
    expect(list.at(-1)!.message).toBe(`m${MAX_SYNC_WARNINGS + 19}`);
  });
});

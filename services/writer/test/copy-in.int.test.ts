import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@canvas-sync/shared';
import { createTestDatabase, type TestDatabase } from '@canvas-sync/testkit';
import { copyIn } from '../src/records/copy-in.js';

/**
 * `copyIn` sends the query, its data and the CopyDone in one write without waiting for the
 * server's CopyInResponse (data beyond 4 MiB streams as the socket drains). What must hold: the data arrives whole (many chunks, multi-byte text),
 * and after a failure — in the prelude, before the COPY starts, or in the middle of the data — the
 * server has dropped the rest of the data and the connection answers the next statements
 * correctly, in the same transaction (a savepoint rolled back, as the writer's fallback does).
 */
describe('copyIn', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await sql`CREATE TABLE copy_in_test (id bigint PRIMARY KEY, body text NOT NULL)`.execute(t.db);
  });
  afterAll(async () => t?.drop());

  // ~3 MB of COPY text: a dozen chunks, so a failure early in the data leaves most of it unread.
  const lines = (from: number, n: number, bad?: number) =>
    Array.from({ length: n }, (_, i) => `${i + from === bad ? 'not-a-number' : i + from}\t${'é\\\\t 漢字 '.repeat(40)}${i + from}\n`);
  const count = async (tx: Transaction<Database>) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM copy_in_test`.execute(tx)).rows[0]!.n;

  it('copies every row, multi-byte text and escapes intact, and returns the count', async () => {
    await t.db.transaction().execute(async (tx) => {
      expect(await copyIn(tx, 'copy_in_test', ['id', 'body'], lines(1, 4_000))).toBe(4_000);
      expect(await copyIn(tx, 'copy_in_test', ['id', 'body'], [])).toBe(0);
      const r = await sql<{ body: string }>`SELECT body FROM copy_in_test WHERE id = 3999`.execute(tx);
      expect(r.rows[0]!.body).toBe(`${'é\\t 漢字 '.repeat(40)}3999`);
      expect(await count(tx)).toBe(4_000);
      await sql`TRUNCATE copy_in_test`.execute(tx);
    });
  });

  it('a failing prelude: the error, the data dropped, the connection in step', async () => {
    await t.db.transaction().execute(async (tx) => {
      await sql`SAVEPOINT before_copy`.execute(tx);
      await expect(copyIn(tx, 'copy_in_test', ['id', 'body'], lines(1, 10_000), 'DELETE FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
      await sql`ROLLBACK TO SAVEPOINT before_copy`.execute(tx);
      expect(await count(tx)).toBe(0);
      expect(await copyIn(tx, 'copy_in_test', ['id', 'body'], lines(1, 3), 'SAVEPOINT again')).toBe(3);
      expect(await count(tx)).toBe(3);
      await sql`TRUNCATE copy_in_test`.execute(tx);
    });
  });

  it('a row failing early in the data: the error, the rest dropped, the connection in step', async () => {
    await t.db.transaction().execute(async (tx) => {
      await sql`SAVEPOINT before_copy`.execute(tx);
      await expect(copyIn(tx, 'copy_in_test', ['id', 'body'], lines(1, 10_000, 5))).rejects.toMatchObject({ code: '22P02' });
      await sql`ROLLBACK TO SAVEPOINT before_copy`.execute(tx);
      // A duplicate key, as a concurrent writer causes it: the writer's own fallback path.
      await expect(copyIn(tx, 'copy_in_test', ['id', 'body'], [...lines(1, 2), ...lines(1, 5_000)], 'SAVEPOINT before_copy')).rejects.toMatchObject({ code: '23505' });
      await sql`ROLLBACK TO SAVEPOINT before_copy`.execute(tx);
      expect(await count(tx)).toBe(0);
      const r = await sql<{ a: number; b: string }>`SELECT 41 + 1 AS a, 'after' AS b`.execute(tx);
      expect(r.rows).toEqual([{ a: 42, b: 'after' }]);
      expect(await copyIn(tx, 'copy_in_test', ['id', 'body'], lines(7, 2))).toBe(2);
      expect(await count(tx)).toBe(2);
    });
  });

  it('lines that throw: the COPY is failed, the caller gets their error, the connection in step', async () => {
    const broken = function* () {
      yield* lines(1, 20_000);
      throw new Error('no more lines');
    };
    await t.db.transaction().execute(async (tx) => {
      await sql`TRUNCATE copy_in_test`.execute(tx);
      await sql`SAVEPOINT before_copy`.execute(tx);
      await expect(copyIn(tx, 'copy_in_test', ['id', 'body'], broken())).rejects.toThrow('no more lines');
      await sql`ROLLBACK TO SAVEPOINT before_copy`.execute(tx);
      expect(await count(tx)).toBe(0);
      expect(await copyIn(tx, 'copy_in_test', ['id', 'body'], lines(1, 3))).toBe(3);
    });
  });
});

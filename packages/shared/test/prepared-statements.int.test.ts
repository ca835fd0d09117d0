import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { createDb, type Database } from '@canvas-sync/shared';
import { createEmptyDatabase } from '@canvas-sync/testkit';

type Db = Kysely<Database>;

/** The statements this connection holds prepared (one connection: poolMax 1). */
async function prepared(db: Db): Promise<string[]> {
  const { rows } = await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements ORDER BY prepare_time`.execute(db);
  return rows.map((r) => r.statement);
}

/** Statements a real Postgres holds prepared for a pool built by createDb (prepared-statements.ts). */
describe('prepared statements', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  beforeAll(async () => {
    database = await createEmptyDatabase();
  });
  afterAll(async () => database?.drop());

  it('prepares a parameterized statement once per connection and reuses it', async () => {
    const db = createDb({ url: database.url, poolMax: 1, preparedStatements: 8 });
    try {
      for (const n of [1, 2, 3]) expect((await sql<{ n: number }>`SELECT ${n}::int + 1 AS n`.execute(db)).rows[0]!.n).toBe(n + 1);
      // Only the parameterized one: the catalog read below has no parameters and runs unnamed.
      expect(await prepared(db)).toEqual(['SELECT $1::int + 1 AS n']);
      // Several statements in one message (no parameters) still run: they are never prepared.
      await sql`CREATE TEMP TABLE t (id int); INSERT INTO t VALUES (1)`.execute(db);
      expect((await sql<{ id: number }>`SELECT id FROM t WHERE id = ${1}`.execute(db)).rows).toEqual([{ id: 1 }]);
      expect(await prepared(db)).toHaveLength(2);
    } finally {
      await db.destroy();
    }
  });

  it('prepares at most its limit of distinct statements; the rest run unnamed, and 0 prepares none', async () => {
    const db = createDb({ url: database.url, poolMax: 1, preparedStatements: 2 });
    const off = createDb({ url: database.url, poolMax: 1, preparedStatements: 0 });
    try {
      for (const k of [1, 2, 3, 4]) expect((await sql<{ k: number }>`SELECT ${k}::int AS ${sql.ref(`k${k}`)}`.execute(db)).rows[0]).toEqual({ [`k${k}`]: k });
      expect(await prepared(db)).toEqual(['SELECT $1::int AS "k1"', 'SELECT $1::int AS "k2"']);
      expect((await sql<{ n: number }>`SELECT ${5}::int AS n`.execute(off)).rows[0]!.n).toBe(5);
      expect(await prepared(off)).toEqual([]);
    } finally {
      await db.destroy();
      await off.destroy();
    }
  });

  it('after a migration changes a prepared statement\'s result columns, fails once and then reads the new columns', async () => {
    const db = createDb({ url: database.url, poolMax: 1, preparedStatements: 8 });
    try {
      await sql`CREATE TABLE widgets (id int PRIMARY KEY, name text)`.execute(db);
      await sql`INSERT INTO widgets VALUES (1, 'one')`.execute(db);
      const read = () => sql<Record<string, unknown>>`SELECT * FROM widgets WHERE id = ${1}`.execute(db);
      expect((await read()).rows).toEqual([{ id: 1, name: 'one' }]);
      await sql`ALTER TABLE widgets ADD COLUMN colour text DEFAULT 'blue'`.execute(db);
      // Postgres refuses the cached plan (SQLSTATE 0A000); the statement gets a new name…
      await expect(read()).rejects.toMatchObject({ code: '0A000' });
      // …so the caller's retry is parsed afresh and sees the column.
      expect((await read()).rows).toEqual([{ id: 1, name: 'one', colour: 'blue' }]);
    } finally {
      await db.destroy();
    }
  });
});

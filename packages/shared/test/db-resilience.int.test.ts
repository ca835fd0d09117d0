import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb, isRetryable } from '@canvas-sync/shared';
import { createTestDatabase, waitFor, type TestDatabase } from '@canvas-sync/testkit';

/**
 * Regression: a pooled client held by a transaction whose server connection dies between two
 * queries (a Postgres restart) emitted 'error' with no listener and crashed the writer. Now the
 * process lives, the next query fails with a retryable error, and the pool recovers.
 */
describe('the pg pool when the server drops a connection held by a transaction', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('does not crash, fails the transaction retryably, and serves the next one', async () => {
    const db = createDb({ url: database.url, poolMax: 2, applicationName: 'db-resilience' });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const failure = await db
        .transaction()
        .execute(async (tx) => {
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx);
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
          // Let the FATAL reach the idle client between queries: this is where 'error' was unhandled.
          await new Promise((r) => setTimeout(r, 300));
          await sql`SELECT 1`.execute(tx);
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(failure).toBeInstanceOf(Error);
      expect(isRetryable(failure), String(failure)).toBe(true);
      await waitFor(async () => (await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows[0]?.one === 1, 5_000, 'the pool to serve again');
    } finally {
      await admin.end();
      await db.destroy();
    }
  });
});

import { Kysely, PostgresDialect, type KyselyConfig } from 'kysely';
import pg from 'pg';
import { DEFAULT_PREPARED_STATEMENTS, preparingClient, StatementNames } from './prepared-statements.js';
import type { Database } from './schema.js';

// bigint (int8) columns hold Canvas ids and counters; all fit in a double's safe range.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Options for {@link createDb}. */
export interface CreateDbOptions {
  url: string;
  poolMax?: number;
  applicationName?: string;
  /**
   * Distinct parameterized statements prepared on the server (parsed and planned once per
   * connection; prepared-statements.ts); 0 runs every statement unnamed. Default 256.
   */
  preparedStatements?: number;
  /** Kysely's query log hook (tests count statements with it). */
  log?: KyselyConfig['log'];
}

/** A kysely instance over a bounded pg pool. Close it with `db.destroy()`. */
export function createDb(options: CreateDbOptions): Kysely<Database> {
  const prepared = options.preparedStatements ?? DEFAULT_PREPARED_STATEMENTS;
  const pool = new pg.Pool({
    ...(prepared > 0 ? { Client: preparingClient(new StatementNames(prepared)) } : {}),
    connectionString: options.url,
    max: options.poolMax ?? 10,
    application_name: options.applicationName ?? 'canvas-sync',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server (a Postgres restart) emits 'error' on the pool; without a
  // listener that would crash the process. Queries in flight still fail and are retried by callers.
  pool.on('error', () => undefined);
  // The pool listens only while a client is idle: a client checked out (held by a transaction)
  // whose server dies between two queries emits 'error' with no listener, and that crashed the
  // writer when Postgres restarted mid-sync. Its next query fails and is retried by the caller.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(options.log ? { log: options.log } : {}) });
}

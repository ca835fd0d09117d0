import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Kysely } from 'kysely';
import { inject } from 'vitest';
import { createDb, migrateToLatest, type Database } from '@canvas-sync/shared';
import { withDatabase } from './infra.js';

/** A database of one test file, cloned from the migrated template. */
export interface TestDatabase {
  name: string;
  url: string;
  db: Kysely<Database>;
  drop(): Promise<void>;
}

/** Clones the template into a fresh database (a few ms: Postgres copies files, no migrations run). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const infra = inject('testInfra');
  const name = `cs_db_${infra.runId}_${randomBytes(4).toString('hex')}`;
  await adminQuery(infra.postgresUrl, `CREATE DATABASE ${name} TEMPLATE ${infra.templateDb}`);
  return openDatabase(infra.postgresUrl, name);
}

/** A kysely handle on database `name` of the server, and how to drop it. */
function openDatabase(postgresUrl: string, name: string): TestDatabase {
  const url = withDatabase(postgresUrl, name);
  const db = createDb({ url, poolMax: 5, applicationName: 'canvas-sync-test' });
  return {
    name,
    url,
    db,
    drop: async () => {
      await db.destroy();
      await adminQuery(postgresUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Creates an empty (un-migrated) database, for migration tests. */
export async function createEmptyDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const infra = inject('testInfra');
  const name = `cs_empty_${infra.runId}_${randomBytes(4).toString('hex')}`;
  await adminQuery(infra.postgresUrl, `CREATE DATABASE ${name}`);
  return { name, url: withDatabase(infra.postgresUrl, name), drop: () => adminQuery(infra.postgresUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, migrated database on any Postgres server (a private cluster, or the bench's server):
 * for code that runs outside vitest's global setup and its template.
 */
export async function createMigratedDatabase(postgresUrl: string, prefix = 'cs_db'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(postgresUrl, `CREATE DATABASE ${name}`);
  const database = openDatabase(postgresUrl, name);
  await migrateToLatest(database.db);
  return database;
}

/**
 * Inserts a Canvas connection for `userId` that syncs can reference, with a placeholder token
 * (never decrypted: for tests that drive the writer or the fetcher's repositories directly).
 * Returns its id.
 */
export async function insertTestConnection(db: Kysely<Database>, userId: string): Promise<string> {
  const row = await db
    .insertInto('connections')
    .values({ user_id: userId, base_url: 'https://canvas.example.edu', token_ciphertext: 'x', token_key_id: 'k', canvas_user: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

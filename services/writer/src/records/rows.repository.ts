import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Resource } from '@canvas-sync/shared';
import { RESOURCE_TABLES } from '../resources/resource-columns.js';
import type { PreparedRow } from './prepare-rows.js';

type Db = Kysely<Database> | Transaction<Database>;

const recordsetDef = (resource: Resource) =>
  ['id bigint', 'raw jsonb', 'content_hash text', ...RESOURCE_TABLES[resource].columns.map((c) => `${c.name} ${c.type}`)].join(', ');

/**
 * The rows that need a write, against what the table holds: `create` (absent) and `update` (hash
 * changed, or marked deleted and now back). One index probe per row, and no raw JSON sent.
 */
async function rowsToWrite(db: Db, resource: Resource, userId: string, rows: PreparedRow[]): Promise<{ create: PreparedRow[]; update: PreparedRow[] }> {
  const { table } = RESOURCE_TABLES[resource];
  // One primary-key probe per id. `LIMIT 1` keeps the lateral subquery from being flattened into
  // a join: with the stale statistics of a table filling up during a sync, Postgres otherwise
  // scans all of the user's rows for every part (`id = ANY(…)` did: 200 ms a part at 100k rows).
  const existing = await sql<{ id: number; content_hash: string; deleted: boolean }>`
    SELECT t.id, t.content_hash, t.deleted FROM unnest(${rows.map((r) => r.id)}::bigint[]) AS i(id)
    CROSS JOIN LATERAL (
      SELECT x.id, x.content_hash, x.deleted_at IS NOT NULL AS deleted FROM ${sql.raw(table)} x
      WHERE x.user_id = ${userId} AND x.id = i.id LIMIT 1) t`.execute(db);
  const current = new Map(existing.rows.map((r) => [r.id, r]));
  const create: PreparedRow[] = [];
  const update: PreparedRow[] = [];
  for (const row of rows) {
    const old = current.get(row.id);
    if (!old) create.push(row);
    else if (old.content_hash !== row.content_hash || old.deleted) update.push(row);
  }
  return { create, update };
}

/**
 * Writes the rows that changed: a hash pre-check first, so unchanged rows cost an index probe
 * and are neither sent nor locked nor logged to WAL; then one multi-row upsert
 * (`jsonb_to_recordset`: one parameter, any row count) of the rest. The upsert keeps its own
 * hash condition, so a row another transaction wrote in between is still handled right.
 * Returns the ids created and updated (the rest of the input is unchanged).
 */
export async function upsertRows(db: Db, resource: Resource, userId: string, rows: PreparedRow[]): Promise<{ created: number[]; updated: number[] }> {
  if (rows.length === 0) return { created: [], updated: [] };
  const { create, update } = await rowsToWrite(db, resource, userId, rows);
  const changed = [...create, ...update];
  if (changed.length === 0) return { created: [], updated: [] };
  const { table, columns } = RESOURCE_TABLES[resource];
  const names = columns.map((c) => c.name);
  const insertCols = ['user_id', 'id', 'raw', 'content_hash', 'synced_at', 'deleted_at', ...names].join(', ');
  const selectCols = ['r.id', 'r.raw', 'r.content_hash', 'now()', 'NULL', ...names.map((n) => `r.${n}`)].join(', ');
  const updates = ['raw', 'content_hash', 'synced_at', 'deleted_at', ...names].map((n) => `${n} = excluded.${n}`).join(', ');
  const result = await sql<{ id: number; inserted: boolean }>`
    INSERT INTO ${sql.raw(table)} AS t (${sql.raw(insertCols)})
    SELECT ${userId}, ${sql.raw(selectCols)} FROM jsonb_to_recordset(${JSON.stringify(changed)}::jsonb) AS r(${sql.raw(recordsetDef(resource))})
    ON CONFLICT (user_id, id) DO UPDATE SET ${sql.raw(updates)}
    WHERE t.content_hash IS DISTINCT FROM excluded.content_hash OR t.deleted_at IS NOT NULL
    RETURNING t.id, (xmax = 0) AS inserted`.execute(db);
  const created: number[] = [];
  const updated: number[] = [];
  for (const r of result.rows) (r.inserted ? created : updated).push(r.id);
  return { created, updated };
}

/** What an upsert would do, without writing (dry run): ids to create and to update. */
export async function diffRows(db: Db, resource: Resource, userId: string, rows: PreparedRow[]): Promise<{ create: number[]; update: number[] }> {
  if (rows.length === 0) return { create: [], update: [] };
  const { create, update } = await rowsToWrite(db, resource, userId, rows);
  return { create: create.map((r) => r.id), update: update.map((r) => r.id) };
}

/** The name of one of the user's courses as synced, or `null` when it is not in the table (yet). */
export async function courseName(db: Db, userId: string, courseId: number): Promise<string | null> {
  const row = await db.selectFrom('canvas.courses').select('name').where('user_id', '=', userId).where('id', '=', courseId).executeTakeFirst();
  return row?.name ?? null;
}

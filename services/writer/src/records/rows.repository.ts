import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, RawRow, Resource } from '@canvas-sync/shared';
import { RESOURCE_TABLES } from '../resources/resource-columns.js';
import { contentHash } from './content-hash.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Rows of one resource ready for SQL: typed columns extracted, hashed, deduplicated by id (last wins). */
export function prepareRows(resource: Resource, rows: RawRow[], courseId: number | null): Array<Record<string, unknown> & { id: number; content_hash: string }> {
  const byId = new Map<number, Record<string, unknown> & { id: number; content_hash: string }>();
  const { columns } = RESOURCE_TABLES[resource];
  for (const raw of rows) {
    const row: Record<string, unknown> & { id: number; content_hash: string } = { id: raw.id, raw, content_hash: contentHash(raw) };
    for (const c of columns) row[c.name] = c.from(raw, courseId);
    byId.set(raw.id, row);
  }
  return [...byId.values()];
}

const recordsetDef = (resource: Resource) =>
  ['id bigint', 'raw jsonb', 'content_hash text', ...RESOURCE_TABLES[resource].columns.map((c) => `${c.name} ${c.type}`)].join(', ');

/**
 * One multi-row upsert per resource and part (`jsonb_to_recordset`: one parameter, any row count).
 * A row whose hash did not change is not rewritten; a row marked deleted that is back is revived.
 * Returns the ids created and updated (the rest of the input is unchanged).
 */
export async function upsertRows(db: Db, resource: Resource, userId: string, rows: ReturnType<typeof prepareRows>): Promise<{ created: number[]; updated: number[] }> {
  if (rows.length === 0) return { created: [], updated: [] };
  const { table, columns } = RESOURCE_TABLES[resource];
  const names = columns.map((c) => c.name);
  const insertCols = ['user_id', 'id', 'raw', 'content_hash', 'synced_at', 'deleted_at', ...names].join(', ');
  const selectCols = ['r.id', 'r.raw', 'r.content_hash', 'now()', 'NULL', ...names.map((n) => `r.${n}`)].join(', ');
  const updates = ['raw', 'content_hash', 'synced_at', 'deleted_at', ...names].map((n) => `${n} = excluded.${n}`).join(', ');
  const result = await sql<{ id: number; inserted: boolean }>`
    INSERT INTO ${sql.raw(table)} AS t (${sql.raw(insertCols)})
    SELECT ${userId}, ${sql.raw(selectCols)} FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(${sql.raw(recordsetDef(resource))})
    ON CONFLICT (user_id, id) DO UPDATE SET ${sql.raw(updates)}
    WHERE t.content_hash IS DISTINCT FROM excluded.content_hash OR t.deleted_at IS NOT NULL
    RETURNING t.id, (xmax = 0) AS inserted`.execute(db);
  const created: number[] = [];
  const updated: number[] = [];
  for (const r of result.rows) (r.inserted ? created : updated).push(r.id);
  return { created, updated };
}

/** What an upsert would do, without writing (dry run): ids to create and to update. */
export async function diffRows(db: Db, resource: Resource, userId: string, rows: ReturnType<typeof prepareRows>): Promise<{ create: number[]; update: number[] }> {
  if (rows.length === 0) return { create: [], update: [] };
  const { table } = RESOURCE_TABLES[resource];
  const existing = await sql<{ id: number; content_hash: string; deleted: boolean }>`
    SELECT id, content_hash, deleted_at IS NOT NULL AS deleted FROM ${sql.raw(table)}
    WHERE user_id = ${userId} AND id = ANY(${rows.map((r) => r.id)}::bigint[])`.execute(db);
  const current = new Map(existing.rows.map((r) => [r.id, r]));
  const create: number[] = [];
  const update: number[] = [];
  for (const row of rows) {
    const old = current.get(row.id);
    if (!old) create.push(row.id);
    else if (old.content_hash !== row.content_hash || old.deleted) update.push(row.id);
  }
  return { create, update };
}

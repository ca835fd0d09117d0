import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Resource } from '@canvas-sync/shared';
import { RESOURCE_TABLES } from '../resources/resource-columns.js';
import { copyIn } from './copy-in.js';
import { copyColumns, copyField, copyLine } from './copy-text.js';
import type { PreparedRow } from './prepare-rows.js';

type Db = Kysely<Database> | Transaction<Database>;

const recordsetDef = (resource: Resource) =>
  ['id bigint', 'raw jsonb', 'content_hash text', ...RESOURCE_TABLES[resource].columns.map((c) => `${c.name} ${c.type}`)].join(', ');

/** A row that needs a write; `ctid` = where its current version sits (updates only). */
type ToWrite = { row: PreparedRow; ctid: string };

/**
 * What one resource's rows need, against what its table holds: `create` (absent) and `update`
 * (hash changed, or marked deleted and now back); the rest of `rows` is unchanged.
 */
export interface WritePlan {
  resource: Resource;
  rows: PreparedRow[];
  create: PreparedRow[];
  update: ToWrite[];
}

/**
 * The hash pre-check of a part's rows, for all its resources in one statement (one round trip):
 * one index probe per row, and no raw JSON sent. Returns a plan per batch, in order.
 */
export async function planWrites(db: Db, userId: string, batches: Array<{ resource: Resource; rows: PreparedRow[] }>): Promise<WritePlan[]> {
  const probed = batches.map((b, i) => ({ ...b, i })).filter((b) => b.rows.length > 0);
  // One primary-key probe per id. `LIMIT 1` keeps the lateral subquery from being flattened into
  // a join: with the stale statistics of a table filling up during a sync, Postgres otherwise
  // scans all of the user's rows for every part (`id = ANY(…)` did: 200 ms a part at 100k rows).
  const probes = probed.map(
    (b) => sql`
      SELECT ${b.i}::int AS batch, t.id, t.content_hash, t.deleted, t.ctid FROM unnest(${b.rows.map((r) => r.id)}::bigint[]) AS i(id)
      CROSS JOIN LATERAL (
        SELECT x.id, x.content_hash, x.deleted_at IS NOT NULL AS deleted, x.ctid::text AS ctid FROM ${sql.raw(RESOURCE_TABLES[b.resource].table)} x
        WHERE x.user_id = ${userId} AND x.id = i.id LIMIT 1) t`,
  );
  const existing = probes.length === 0 ? [] : (await sql<{ batch: number; id: number; content_hash: string; deleted: boolean; ctid: string }>`${sql.join(probes, sql` UNION ALL `)}`.execute(db)).rows;
  const current = batches.map(() => new Map<number, { content_hash: string; deleted: boolean; ctid: string }>());
  for (const r of existing) current[r.batch]!.set(r.id, r);
  return batches.map(({ resource, rows }, i) => {
    const create: PreparedRow[] = [];
    const update: ToWrite[] = [];
    for (const row of rows) {
      const old = current[i]!.get(row.id);
      if (!old) create.push(row);
      else if (old.content_hash !== row.content_hash || old.deleted) update.push({ row, ctid: old.ctid });
    }
    return { resource, rows, create, update };
  });
}

/**
 * Writes the rows that changed at COPY speed: a hash pre-check first, so unchanged rows cost an
 * index probe and are neither sent nor locked nor logged to WAL; then, in a savepoint, the old
 * versions of the changed rows are deleted by their `ctid` (a TID scan, no index probe) and the
 * new and changed rows are COPYed in (`synced_at` now(), `deleted_at` NULL by default), all in
 * one round trip. A concurrent writer of the same rows (a redelivered part on another slot)
 * shows as a unique violation (a row inserted since the pre-check, or rewritten: its `ctid`
 * moved, so the old version was not deleted): the savepoint is rolled back and the rows go
 * through one `INSERT … ON CONFLICT DO UPDATE … WHERE hash differs`, which handles any
 * interleaving. Must run in a transaction (it opens one when given a pool). Returns the ids
 * created and updated (the rest of the input is unchanged).
 */
export async function upsertRows(db: Db, resource: Resource, userId: string, rows: PreparedRow[]): Promise<{ created: number[]; updated: number[] }> {
  if (rows.length === 0) return { created: [], updated: [] };
  const [plan] = await planWrites(db, userId, [{ resource, rows }]);
  return writePlanned(db, userId, plan!);
}

/** The writes of a plan from {@link planWrites} (made in the same transaction), as {@link upsertRows} does them. */
export async function writePlanned(db: Db, userId: string, plan: WritePlan): Promise<{ created: number[]; updated: number[] }> {
  const { resource, create, update } = plan;
  if (create.length === 0 && update.length === 0) return { created: [], updated: [] };
  // The savepoint and COPY need one connection in one transaction (the writer always passes one).
  if (!db.isTransaction) return db.transaction().execute((tx) => writeChanged(tx, resource, userId, create, update));
  return writeChanged(db, resource, userId, create, update);
}

async function writeChanged(db: Db, resource: Resource, userId: string, create: PreparedRow[], update: ToWrite[]): Promise<{ created: number[]; updated: number[] }> {
  const { table } = RESOURCE_TABLES[resource];
  // One message: the savepoint, the delete of the changed rows' old versions, and the COPY. No
  // parameters in a multi-statement message, so the values go in as literals: ctids and ids as
  // Postgres printed them (checked), the user id as an escape string.
  let prelude = 'SAVEPOINT canvas_sync_copy';
  if (update.length > 0) {
    const ctids = update.map((u) => tidLiteral(u.ctid)).join(',');
    const ids = update.map((u) => u.row.id).join(',');
    prelude += `; DELETE FROM ${table} WHERE ctid = ANY('{${ctids}}'::tid[]) AND user_id = ${escapeString(userId)} AND id = ANY('{${ids}}'::bigint[])`;
  }
  const lines = function* () {
    const userField = copyField(userId);
    for (const row of create) yield copyLine(resource, userField, row);
    for (const u of update) yield copyLine(resource, userField, u.row);
  };
  try {
    await copyIn(db, table, copyColumns(resource), lines(), prelude);
    return { created: create.map((r) => r.id), updated: update.map((u) => u.row.id) };
  } catch (err) {
    // A row another transaction inserted or rewrote (its ctid moved) since the pre-check.
    if ((err as { code?: unknown }).code !== UNIQUE_VIOLATION) throw err;
    await sql`ROLLBACK TO SAVEPOINT canvas_sync_copy`.execute(db);
    return upsertStatement(db, resource, userId, [...create, ...update.map((u) => u.row)]);
  }
}

const UNIQUE_VIOLATION = '23505';

/** A ctid as Postgres prints it, `(page,item)`; anything else is refused rather than sent as SQL. */
function tidLiteral(ctid: string): string {
  if (!/^\(\d+,\d+\)$/.test(ctid)) throw new Error(`unexpected ctid ${JSON.stringify(ctid)}`);
  return `"${ctid}"`;
}

/** An `E'…'` literal: means the same whatever `standard_conforming_strings` says. */
function escapeString(value: string): string {
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * One multi-row upsert (`jsonb_to_recordset`: one parameter, any row count) that is right under
 * any interleaving with other writers: its own hash condition leaves a row another transaction
 * already wrote alike untouched.
 */
async function upsertStatement(db: Db, resource: Resource, userId: string, changed: PreparedRow[]): Promise<{ created: number[]; updated: number[] }> {
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
  const [plan] = await planWrites(db, userId, [{ resource, rows }]);
  return plannedDiff(plan!);
}

/** What a plan would change (a dry run's diff). */
export function plannedDiff(plan: WritePlan): { create: number[]; update: number[] } {
  return { create: plan.create.map((r) => r.id), update: plan.update.map((u) => u.row.id) };
}

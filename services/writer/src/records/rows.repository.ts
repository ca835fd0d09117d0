import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database, Resource } from '@canvas-sync/shared';
import { RESOURCE_TABLES } from '../resources/resource-columns.js';
import { copyIn } from './copy-in.js';
import { copyColumns, copyField, copyLine } from './copy-text.js';
import type { PreparedRow } from './prepare-rows.js';

type Db = Kysely<Database> | Transaction<Database>;

const recordsetDef = (resource: Resource) =>
  ['id bigint', 'raw jsonb', 'content_hash text', ...RESOURCE_TABLES[resource].columns.map((c) => `${c.name} ${c.type}`)].join(', ');

/**
 * What one resource's rows need, against what its table holds: `create` (absent) and `update`
 * (hash changed, or marked deleted and now back); the rest of `rows` is unchanged. `oldVersions`:
 * where the current versions of the `update` rows sit, a `tid[]` literal as Postgres printed it.
 */
export interface WritePlan {
  resource: Resource;
  rows: PreparedRow[];
  create: PreparedRow[];
  update: PreparedRow[];
  oldVersions: string;
}

/**
 * The hash pre-check of a part's rows, for all its resources in one statement (one round trip):
 * one index probe per row, and no raw JSON sent. Postgres compares the hashes and answers one
 * row per batch: the positions of the absent rows and of the changed ones, and the changed ones'
 * `ctid`s, each as one text — unchanged rows (most of an incremental sync's) cost Node nothing to
 * read, and the rest a split instead of a row object each (issue #15: reading back every row's
 * hash and `ctid` was ~0.3 CPU s per 100,000 rows). Returns a plan per batch, in order.
 */
export async function planWrites(db: Db, userId: string, batches: Array<{ resource: Resource; rows: PreparedRow[] }>): Promise<WritePlan[]> {
  const query = planWritesSql(userId, batches);
  return plansFrom(batches, query ? (await query.execute(db)).rows : []);
}

/** One answer of the pre-check: the positions (1-based) of a batch's absent and changed rows, the changed ones' `ctid`s. */
export interface PlanAnswer {
  batch: number;
  absent: string | null;
  changed: string | null;
  ctids: string | null;
}

/**
 * The query of {@link planWrites}, for a statement that runs it beside another (the part's claim);
 * `undefined` when no batch has rows. Its answers go to {@link plansFrom}.
 */
export function planWritesSql(userId: string, batches: Array<{ resource: Resource; rows: PreparedRow[] }>): RawBuilder<PlanAnswer> | undefined {
  const probed = batches.map((b, i) => ({ ...b, i })).filter((b) => b.rows.length > 0);
  // One primary-key probe per id. `LIMIT 1` keeps the lateral subquery from being flattened into
  // a join: with the stale statistics of a table filling up during a sync, Postgres otherwise
  // scans all of the user's rows for every part (`id = ANY(…)` did: 200 ms a part at 100k rows).
  // The user id is an InitPlan's output, not a constant: Postgres estimates its rows from the
  // column's distinct count, not from a most-common-values list that predates the user (where it
  // finds ~1 row and may probe through the (user_id, course_id) index, filtering all of the
  // user's rows for each row of the part: 1.2–1.8 s a part at 20,000 rows; rows-plan.int.test.ts).
  // Ids and hashes go as array literals (hashes are base64url: nothing to quote).
  const probes = probed.map(
    (b) => sql`
      SELECT ${b.i}::int AS batch,
        string_agg(i.n::text, ',' ORDER BY i.n) FILTER (WHERE t.ctid IS NULL) AS absent,
        string_agg(i.n::text, ',' ORDER BY i.n) FILTER (WHERE t.ctid IS NOT NULL) AS changed,
        array_agg(t.ctid) FILTER (WHERE t.ctid IS NOT NULL)::text AS ctids
      FROM unnest(${arrayLiteral(b.rows.map((r) => r.id))}::bigint[], ${arrayLiteral(b.rows.map((r) => r.content_hash))}::text[]) WITH ORDINALITY AS i(id, hash, n)
      LEFT JOIN LATERAL (
        SELECT x.ctid, x.content_hash, x.deleted_at FROM ${sql.raw(RESOURCE_TABLES[b.resource].table)} x
        WHERE x.user_id = (SELECT ${userId}::text) AND x.id = i.id LIMIT 1) t ON true
      WHERE t.ctid IS NULL OR t.content_hash <> i.hash OR t.deleted_at IS NOT NULL`,
  );
  return probes.length === 0 ? undefined : sql<PlanAnswer>`${sql.join(probes, sql` UNION ALL `)}`;
}

/** The plans of {@link planWrites} from the answers of {@link planWritesSql} for the same batches: a plan per batch, in order. */
export function plansFrom(batches: Array<{ resource: Resource; rows: PreparedRow[] }>, answers: PlanAnswer[]): WritePlan[] {
  const byBatch = new Map(answers.map((a) => [a.batch, a]));
  return batches.map(({ resource, rows }, i) => {
    const answer = byBatch.get(i);
    const at = (list: string | null | undefined) => (list ? list.split(',').map((n) => rows[Number(n) - 1]!) : []);
    return { resource, rows, create: at(answer?.absent), update: at(answer?.changed), oldVersions: tidArray(answer?.ctids ?? '{}') };
  });
}

/** `{1,2,3}`: an array literal of values that need no quoting (numbers, base64url). */
function arrayLiteral(values: Array<number | string>): string {
  return `{${values.join(',')}}`;
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
  if (plan.create.length === 0 && plan.update.length === 0) return { created: [], updated: [] };
  // The savepoint and COPY need one connection in one transaction (the writer always passes one).
  if (!db.isTransaction) return db.transaction().execute((tx) => writeChanged(tx, userId, plan));
  return writeChanged(db, userId, plan);
}

async function writeChanged(db: Db, userId: string, { resource, create, update, oldVersions }: WritePlan): Promise<{ created: number[]; updated: number[] }> {
  const { table } = RESOURCE_TABLES[resource];
  // One message: the savepoint, the delete of the changed rows' old versions, and the COPY. No
  // parameters in a multi-statement message, so the values go in as literals: the ctids as
  // Postgres printed them (checked), the ids, the user id as an escape string. The user and ids
  // check that each ctid still holds one of these rows (a slot freed and reused since the
  // pre-check holds another); `IS TRUE` makes it a filter no index can serve, so the TID scan is
  // the one plan. As index conditions, they let Postgres read all of the user's rows for each
  // part — whenever the table has statistics or has been vacuumed (rows-plan.int.test.ts).
  let prelude = 'SAVEPOINT canvas_sync_copy';
  if (update.length > 0) {
    const owned = `user_id = ${escapeString(userId)} AND id = ANY('${arrayLiteral(update.map((r) => r.id))}'::bigint[])`;
    prelude += `; DELETE FROM ${table} WHERE ctid = ANY('${oldVersions}'::tid[]) AND (${owned}) IS TRUE`;
  }
  const lines = function* () {
    const userField = copyField(userId);
    for (const row of create) yield copyLine(resource, userField, row);
    for (const row of update) yield copyLine(resource, userField, row);
  };
  try {
    await copyIn(db, table, copyColumns(resource), lines(), prelude);
    return { created: create.map((r) => r.id), updated: update.map((r) => r.id) };
  } catch (err) {
    // A row another transaction inserted or rewrote (its ctid moved) since the pre-check.
    if ((err as { code?: unknown }).code !== UNIQUE_VIOLATION) throw err;
    await sql`ROLLBACK TO SAVEPOINT canvas_sync_copy`.execute(db);
    return upsertStatement(db, resource, userId, [...create, ...update]);
  }
}

const UNIQUE_VIOLATION = '23505';

/** A `tid[]` as Postgres prints it, `{"(page,item)",…}`; anything else is refused rather than sent as SQL. */
function tidArray(text: string): string {
  if (!/^\{(?:"\(\d+,\d+\)"(?:,(?=")|(?=\})))*\}$/.test(text)) throw new Error(`unexpected tid[] ${JSON.stringify(text.slice(0, 100))}`);
  return text;
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
  return { create: plan.create.map((r) => r.id), update: plan.update.map((r) => r.id) };
}

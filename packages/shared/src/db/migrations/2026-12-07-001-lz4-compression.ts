import { sql, type Kysely } from 'kysely';

/**
 * The columns that hold documents big enough to be compressed out of line (TOAST, over ~2 KB) are
 * compressed with lz4 instead of Postgres's default pglz: a Canvas assignment's `raw` with its HTML
 * description often is, and pglz was the biggest single item of Postgres's CPU in a teacher sync
 * (docs/performance.md, "Postgres CPU per sync"). lz4 compresses several times faster for a
 * slightly larger result. Applies to values written from now on (existing ones are not rewritten).
 * Skipped on a server built without lz4 (`default_toast_compression` does not offer it): there
 * nothing changes.
 */
const LZ4_COLUMNS: ReadonlyArray<readonly [table: string, column: string]> = [
  ['canvas.terms', 'raw'],
  ['canvas.courses', 'raw'],
  ['canvas.assignment_groups', 'raw'],
  ['canvas.assignments', 'raw'],
  ['canvas.submissions', 'raw'],
  ['sync_unit_parts', 'seen'],
  ['sync_unit_parts', 'diff'],
  ['syncs', 'diff'],
  ['event_outbox', 'payload'],
];

async function setCompression(db: Kysely<any>, method: 'lz4' | 'pglz'): Promise<void> {
  const { rows } = await sql<{ lz4: boolean }>`SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`.execute(db);
  if (rows[0]?.lz4 !== true) return;
  for (const [table, column] of LZ4_COLUMNS) await sql`ALTER TABLE ${sql.raw(table)} ALTER COLUMN ${sql.raw(column)} SET COMPRESSION ${sql.raw(method)}`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await setCompression(db, 'lz4');
}

export async function down(db: Kysely<any>): Promise<void> {
  await setCompression(db, 'pglz');
}

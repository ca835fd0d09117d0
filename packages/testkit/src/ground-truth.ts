import { isDeepStrictEqual } from 'node:util';
import { sql, type Kysely } from 'kysely';
import type { CanvasSim } from '@canvas-sync/canvas-sim';
import type { Database } from '@canvas-sync/shared';

const PAIRS = [
  ['courses', 'courses'],
  ['terms', 'terms'],
  ['assignment_groups', 'assignmentGroups'],
  ['assignments', 'assignments'],
  ['submissions', 'submissions'],
] as const;

/** Per resource: rows the simulator has that we lack, rows we have that it does not, rows that differ. */
export interface GroundTruthReport {
  equal: boolean;
  rows: Record<string, { expected: number; actual: number; missing: number[]; extra: number[]; different: number[]; duplicates: number }>;
}

/**
 * Compares the `canvas` tables (live rows: `deleted_at IS NULL`) of one user with the simulator's
 * ground truth, row for row, on `raw`. Duplicates cannot exist by the primary key, but we count
 * them from the raw ids anyway so a report can say "0" honestly.
 */
export async function compareWithGroundTruth(db: Kysely<Database>, userId: string, sim: CanvasSim, simUserId: number, only?: { courseIds?: number[] }): Promise<GroundTruthReport> {
  const truth = sim.groundTruth(simUserId);
  const report: GroundTruthReport = { equal: true, rows: {} };
  for (const [table, key] of PAIRS) {
    let expected = truth[key] as Array<Record<string, unknown> & { id: number }>;
    if (only?.courseIds && table !== 'terms') {
      const keep = new Set(only.courseIds);
      if (table === 'courses') expected = expected.filter((c) => keep.has(c.id));
    }
    const rows = await sql<{ id: number; raw: Record<string, unknown> }>`SELECT id, raw FROM ${sql.raw(`canvas.${table}`)} WHERE user_id = ${userId} AND deleted_at IS NULL`.execute(db);
    const actual = new Map(rows.rows.map((r) => [Number(r.id), r.raw]));
    const want = new Map(expected.map((r) => [r.id, r]));
    const missing = [...want.keys()].filter((id) => !actual.has(id));
    const extra = [...actual.keys()].filter((id) => !want.has(id));
    const different = [...want.entries()].filter(([id, raw]) => actual.has(id) && !isDeepStrictEqual(JSON.parse(JSON.stringify(raw)), actual.get(id))).map(([id]) => id);
    const duplicates = rows.rows.length - actual.size;
    report.rows[table] = { expected: want.size, actual: actual.size, missing, extra, different, duplicates };
    if (missing.length || extra.length || different.length || duplicates) report.equal = false;
  }
  return report;
}

import { sql } from 'kysely';
import { createDb, RESOURCES, type RecordRow, type Resource } from '@canvas-sync/shared';
import { copyIn } from '../../services/writer/src/records/copy-in.js';
import { copyColumns, copyField, copyLine } from '../../services/writer/src/records/copy-text.js';
import { prepareRows } from '../../services/writer/src/records/prepare-rows.js';
import { cpuSeconds } from '../support/proc-stats.js';
import type { Row } from './canvas-http.js';
import type { FloorRows } from './fetch-floor.js';

export interface StoreFloorResult {
  /** Wall time from splitting the answers to the commit; with `rounds`, the least. */
  seconds: number;
  rows: number;
  /** This process: splitting the answers into rows, the writer's row preparation, the COPY text. */
  nodeCpu: number;
  /** The one Postgres backend that ran the COPYs. */
  postgresCpu: number;
}

/**
 * The store floor: the least it costs to put the rows the fetch floor read into tables shaped like
 * the pipeline's — Canvas's answers split into rows as the fetcher splits them, the writer's own
 * row preparation (typed columns, content hash) and COPY text, then one `COPY` per resource into
 * empty copies of the `canvas` tables (same columns, keys, indexes and compression), in one
 * transaction. No checkpoints, no pre-check, no change events, no messages. With the fetch floor's
 * CPU it is the floor of the pipeline's CPU per row: what fetching and storing the rows costs
 * before any of the pipeline's own work (docs/performance.md, "What CPU per row can reach").
 * `rounds` (default 1) stores the rows that many times on the same connection (as user
 * `userId`, then `userId-1`, …) and reports the least wall time; the CPU figures add up the
 * rounds (the tail floor's use, `tail-floor.ts`).
 */
export async function runStoreFloor(databaseUrl: string, userId: string, read: FloorRows, rounds = 1): Promise<StoreFloorResult> {
  const db = createDb({ url: databaseUrl, poolMax: 1, applicationName: 'canvas-sync-bench-store-floor' });
  try {
    await sql`CREATE SCHEMA IF NOT EXISTS bench_store_floor`.execute(db);
    for (const resource of RESOURCES) await sql`CREATE TABLE IF NOT EXISTS ${sql.raw(`bench_store_floor.${resource} (LIKE canvas.${resource} INCLUDING ALL)`)}`.execute(db);
    const backend = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid;

    const pgBefore = cpuSeconds(backend);
    const nodeBefore = cpuSeconds(process.pid);
    let seconds = Number.POSITIVE_INFINITY;
    let rows = 0;
    for (let round = 0; round < rounds; round++) {
      const start = performance.now();
      const batches = splitAsTheFetcherDoes(read);
      const userField = copyField(round === 0 ? userId : `${userId}-${round}`);
      rows = 0;
      await db.transaction().execute(async (tx) => {
        // A COPY per resource with rows, as the writer sends them.
        for (const resource of RESOURCES.filter((r) => batches.some((b) => b.resource === r && b.rows.length > 0))) {
          const lines = function* () {
            for (const b of batches) if (b.resource === resource) for (const row of prepareRows(resource, b.rows, b.courseId).rows) yield copyLine(resource, userField, row);
          };
          rows += await copyIn(tx, `bench_store_floor.${resource}`, copyColumns(resource), lines());
        }
      });
      seconds = Math.min(seconds, (performance.now() - start) / 1000);
    }
    return { seconds, rows, nodeCpu: cpuSeconds(process.pid) - nodeBefore, postgresCpu: cpuSeconds(backend) - pgBefore };
  } finally {
    await db.destroy();
  }
}

/** Groups without their assignments, assignments without their submission, submissions apart (`fetch-unit.handler.ts`). */
function splitAsTheFetcherDoes(read: FloorRows): Array<{ resource: Resource; courseId: number | null; rows: RecordRow[] }> {
  const out: Array<{ resource: Resource; courseId: number | null; rows: RecordRow[] }> = [
    { resource: 'terms', courseId: null, rows: read.terms },
    { resource: 'courses', courseId: null, rows: read.courses },
  ];
  for (const { courseId, groups } of read.groups) {
    const own = { assignment_groups: [] as RecordRow[], assignments: [] as RecordRow[], submissions: [] as RecordRow[] };
    for (const { assignments, ...group } of groups) {
      own.assignment_groups.push(group);
      for (const { submission, ...assignment } of (assignments as Row[] | undefined) ?? []) {
        own.assignments.push(assignment);
        if (submission) own.submissions.push(submission as RecordRow);
      }
    }
    for (const resource of ['assignment_groups', 'assignments', 'submissions'] as const) out.push({ resource, courseId, rows: own[resource] });
  }
  return out;
}

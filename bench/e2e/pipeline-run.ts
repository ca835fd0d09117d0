import { sql } from 'kysely';
import type { PipelineHarness } from '@canvas-sync/testkit';
import { retryingConnect, sleep } from '../support/bench-context.js';

export interface PipelineRun {
  syncId: string;
  token: string;
  status: string;
  /** Start request → every unit's rows committed (the data is there; completion may still run). */
  writtenSeconds: number;
  /** Start request → `finished_at` of a completed sync; NaN when it did not complete in time. */
  completedSeconds: number;
}

/**
 * One full sync of `simUserId` as app user `userId`, with a fresh Canvas token (a new, empty
 * leaky bucket), timed from the start request. Waits for `completed` (or `failed`/`cancelled`),
 * but at most `completionGraceMs` after the last unit is written: a completion that hangs past that
 * is reported as such (and the run stops waiting) instead of eating the whole time budget.
 */
export async function runPipelineSync(h: PipelineHarness, userId: string, simUserId: number, options: { timeoutMs: number; completionGraceMs: number }): Promise<PipelineRun> {
  const token = h.sim.issueToken(simUserId);
  await retryingConnect(() => h.connect(userId, simUserId, token));
  const started = Date.now();
  const syncId = await retryingConnect(() => h.startSync(userId, { mode: 'full', chunkSize: 10 }));
  let writtenAt = Number.NaN;
  const deadline = started + options.timeoutMs;
  for (;;) {
    const row = await retryingConnect(() =>
      h.database.db.selectFrom('syncs').select(['status', 'plan_ready', 'units_done', 'units_total', 'finished_at']).where('id', '=', syncId).executeTakeFirstOrThrow(),
    );
    const now = Date.now();
    if (Number.isNaN(writtenAt) && row.plan_ready && row.units_total > 0 && row.units_done >= row.units_total) writtenAt = now;
    if (['completed', 'failed', 'cancelled'].includes(row.status)) {
      const finished = row.finished_at ? new Date(row.finished_at).getTime() : now;
      if (Number.isNaN(writtenAt)) writtenAt = finished;
      return { syncId, token, status: row.status, writtenSeconds: (writtenAt - started) / 1000, completedSeconds: row.status === 'completed' ? (finished - started) / 1000 : Number.NaN };
    }
    if (now > deadline || (!Number.isNaN(writtenAt) && now - writtenAt > options.completionGraceMs)) {
      return { syncId, token, status: row.status, writtenSeconds: (writtenAt - started) / 1000, completedSeconds: Number.NaN };
    }
    await sleep(100);
  }
}

/**
 * Stops a sync that would not complete: the writer processes are killed and the database's other
 * sessions terminated (a hung completion query would otherwise keep a core busy for the rest of
 * the run), then the sync is marked cancelled. The pipeline is unusable afterwards.
 */
export async function abandonPipeline(h: PipelineHarness, syncId: string): Promise<void> {
  await Promise.all(h.services.map((s) => s.kill('SIGKILL')));
  await retryingConnect(() => sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(h.database.db));
  await retryingConnect(() => h.database.db.updateTable('syncs').set({ status: 'cancelled', finished_at: new Date() }).where('id', '=', syncId).execute());
}

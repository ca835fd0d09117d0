import { sql } from 'kysely';
import type { PipelineHarness } from '@canvas-sync/testkit';
import { retryingConnect, sleep } from '../support/bench-context.js';
import type { BenchSim } from '../support/bench-pipeline.js';

export interface PipelineRun {
  syncId: string;
  token: string;
  status: string;
  /** Start request → `finished_at` of a completed sync; NaN when it did not complete. */
  completedSeconds: number;
  /** Start request → the last time `units_done` rose (equals completion for a completed sync). */
  lastProgressSeconds: number;
  unitsDone: number;
  unitsTotal: number;
  /** True when every unit but the last was written and then nothing moved for the grace period. */
  hung: boolean;
}

/**
 * One full sync of `simUserId` as app user `userId`, with a fresh Canvas token (a new, empty
 * leaky bucket), timed from the start request to `completed` (or `failed`/`cancelled`).
 *
 * The writer commits the last unit together with the sync's completion (the full sync's delete
 * sweep), so a completion that hangs shows as a sync stuck at N−1 of N units. After
 * `completionGraceMs` without progress in that state the run is reported as hung instead of eating
 * the whole time budget. `mode: 'incremental'` starts a scheduled run's kind instead (resync bench).
 * `pollMs` (default 100) is how often the sync row is read: the completion time comes from
 * `finished_at`, so a slower poll only costs the hang detection its precision (and saves this
 * process CPU: ~1 ms a poll, which a floor timed beside the run would count).
 */
export async function runPipelineSync(h: PipelineHarness<BenchSim>, userId: string, simUserId: number, options: { timeoutMs: number; completionGraceMs: number; mode?: 'full' | 'incremental'; pollMs?: number }): Promise<PipelineRun> {
  const token = await h.sim.issueToken(simUserId);
  await retryingConnect(() => h.connect(userId, simUserId, token));
  const started = Date.now();
  const syncId = await retryingConnect(() => h.startSync(userId, { mode: options.mode ?? 'full', chunkSize: 10 }));
  const deadline = started + options.timeoutMs;
  let lastDone = -1;
  let lastProgressAt = started;
  for (;;) {
    const row = await retryingConnect(() =>
      h.database.db.selectFrom('syncs').select(['status', 'plan_ready', 'units_done', 'units_total', 'finished_at']).where('id', '=', syncId).executeTakeFirstOrThrow(),
    );
    const now = Date.now();
    if (row.units_done !== lastDone) {
      lastDone = row.units_done;
      lastProgressAt = now;
    }
    const base = { syncId, token, status: row.status, unitsDone: row.units_done, unitsTotal: row.units_total };
    if (['completed', 'failed', 'cancelled'].includes(row.status)) {
      const finished = row.finished_at ? new Date(row.finished_at).getTime() : now;
      const seconds = (finished - started) / 1000;
      return { ...base, completedSeconds: row.status === 'completed' ? seconds : Number.NaN, lastProgressSeconds: seconds, hung: false };
    }
    const lastUnitPending = row.plan_ready && row.units_total > 0 && row.units_done >= row.units_total - 1;
    if (now > deadline || (lastUnitPending && now - lastProgressAt > options.completionGraceMs)) {
      return { ...base, completedSeconds: Number.NaN, lastProgressSeconds: (lastProgressAt - started) / 1000, hung: lastUnitPending };
    }
    await sleep(options.pollMs ?? 100);
  }
}

/**
 * Stops a sync that would not complete: the service processes are killed and the database's other
 * sessions terminated (a hung completion query would otherwise keep a core busy for the rest of
 * the run), then the sync is marked cancelled. The pipeline's services are gone afterwards.
 */
export async function abandonPipeline(h: PipelineHarness<BenchSim>, syncId: string): Promise<void> {
  await Promise.all(h.services.map((s) => s.kill('SIGKILL')));
  await retryingConnect(() => sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(h.database.db));
  await retryingConnect(() => h.database.db.updateTable('syncs').set({ status: 'cancelled', finished_at: new Date() }).where('id', '=', syncId).execute());
}

import { afterEach, describe, expect, it } from 'vitest';
import { startPipeline, type PipelineHarness } from '@canvas-sync/testkit';

/**
 * Issue 14: a piece of work stops when its sync is cancelled, failed, re-planned or finished —
 * not only on a user's cancel — and no piece of work runs past its time limit.
 */
describe('fetcher work stops when its sync no longer wants it', () => {
  let h: PipelineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a planning hung on Canvas stops when the sync fails elsewhere (no broadcast), freeing its slot', { timeout: 120_000 }, async () => {
    // One planner slot in the process; the Canvas requests of the first sync never get an answer.
    h = await startPipeline({ sim: { users: [{ courses: 3, assignmentsPerCourse: 2 }] }, env: { FETCHER_CONCURRENCY: '2', CANVAS_TIMEOUT_MS: '120000', FETCHER_WANTED_CHECK_MS: '200' } });
    const user = h.sim.users[0]!;
    await h.connect('hung-user', user.id);
    h.sim.setFaults({ perToken: { [String(user.id)]: { hangRate: 1, hangMs: 0 } } });
    const first = await h.startSync('hung-user');
    const db = h.database.db;
    await h.waitFor(first, ['running']);
    // As the watchdog or a writer would: the row says failed, and nothing is broadcast.
    await db.updateTable('syncs').set({ status: 'failed', phase: 'done', finished_at: new Date(), error: JSON.stringify({ code: 'sync_stalled', message: 'x' }) }).where('id', '=', first).execute();
    h.sim.clearFaults();
    const second = await h.startSync('hung-user');
    // Only possible once the first planning let go of the one planner slot.
    const row = await h.waitFor(second, ['completed', 'failed'], 60_000);
    expect(row.status).toBe('completed');
  });

  it('work past CANVAS_WORK_TIME_LIMIT_MS fails its sync with canvas_time_limit', { timeout: 120_000 }, async () => {
    h = await startPipeline({ sim: { users: [{ courses: 3, assignmentsPerCourse: 2 }] }, env: { CANVAS_TIMEOUT_MS: '120000', CANVAS_WORK_TIME_LIMIT_MS: '10000' } });
    const user = h.sim.users[0]!;
    await h.connect('slow-user', user.id);
    h.sim.setFaults({ perToken: { [String(user.id)]: { hangRate: 1, hangMs: 0 } } });
    const syncId = await h.startSync('slow-user');
    const row = await h.waitFor(syncId, ['completed', 'failed'], 60_000);
    expect(row.status).toBe('failed');
    expect(row.error?.code).toBe('canvas_time_limit');
  });
});

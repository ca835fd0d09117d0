import { afterEach, describe, expect, it } from 'vitest';
import { publish, syncStatus } from '@canvas-sync/shared';
import { startPipeline, waitFor, type PipelineHarness } from '@canvas-sync/testkit';

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

  it('rows the fetcher skipped for want of an id are one warning on the sync, however often reported', { timeout: 60_000 }, async () => {
    h = await startPipeline({ fetchers: 0 });
    const user = h.sim.users[0]!;
    await h.connect('odd-rows-user', user.id);
    const syncId = await h.startSync('odd-rows-user', {}, { lose: true });
    const db = h.database.db;
    await db.updateTable('syncs').set({ status: 'running' }).where('id', '=', syncId).execute();
    const report = { syncId, userId: 'odd-rows-user', run: 0, kind: 'rows_skipped' as const, unitKey: 'course:7', error: { code: 'canvas_bad_response', message: 'Canvas sent 2 rows without a usable id in /api/v1/courses/7/assignment_groups; they were skipped.' } };
    for (let i = 0; i < 2; i++) await publish(h.nats.js, h.nats.ns, syncStatus, report, { correlationId: syncId });
    // A later report of another course: once it is in, so (almost always) are the two before it.
    await publish(h.nats.js, h.nats.ns, syncStatus, { ...report, unitKey: 'course:8' }, { correlationId: syncId });
    const warnings = async () => (await db.selectFrom('syncs').select('warnings').where('id', '=', syncId).executeTakeFirstOrThrow()).warnings;
    await waitFor(async () => (await warnings()).some((w) => w.unitKey === 'course:8'), 20_000, 'the warnings');
    await waitFor(async () => (await warnings()).some((w) => w.unitKey === 'course:7'), 20_000, 'the first warning');
    expect((await warnings()).filter((w) => w.unitKey === 'course:7')).toEqual([{ code: 'canvas_bad_response', message: report.error.message, unitKey: 'course:7' }]);
    const row = await db.selectFrom('syncs').select(['status']).where('id', '=', syncId).executeTakeFirstOrThrow();
    expect(row.status).toBe('running');
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

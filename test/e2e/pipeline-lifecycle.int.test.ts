import { afterEach, describe, expect, it } from 'vitest';
import { compareWithGroundTruth, startPipeline, waitFor, type PipelineHarness } from '@canvas-sync/testkit';

const compact = (v: unknown) => JSON.stringify(v, (_k, x) => (Array.isArray(x) && x.length > 8 ? `${x.length} ids` : x));

describe('sync lifecycle: cancel, resume, failures, partial success, scale-out, throttling', () => {
  let h: PipelineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('cancels within 5 s, keeps the checkpoint, and a resume finishes without refetching finished pages', { timeout: 180_000 }, async () => {
    // 3 requests in flight (the default before #15 raised it to what the bucket allows): the refetch
    // bound below counts what can be in flight at the cancel.
    h = await startPipeline({ sim: { users: [{ courses: 40, assignmentsPerCourse: 10 }], latency: { baseMs: 150, perItemMs: 0 } }, env: { CANVAS_MAX_IN_FLIGHT: '3', FETCHER_COURSE_CONCURRENCY: '3' } });
    const user = h.sim.users[0]!;
    await h.connect('cancel-user', user.id);
    const syncId = await h.startSync('cancel-user', { chunkSize: 5 });
    const db = h.database.db;
    await waitFor(async () => ((await db.selectFrom('syncs').select('units_done').where('id', '=', syncId).executeTakeFirst())?.units_done ?? 0) >= 6, 60_000, 'some units done');
    const requestsAtCancel = h.sim.stats().byEndpoint['GET /api/v1/courses/:id/assignment_groups'] ?? 0;
    const cancelledAt = Date.now();
    await h.cancel(syncId);
    // Stopped: no more Canvas requests for this sync once in-flight ones end.
    let last = -1;
    await waitFor(async () => {
      const now = h!.sim.stats().requests;
      const still = now === last;
      last = now;
      return still;
    }, 5_000, 'Canvas requests to stop');
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    const afterCancel = h.sim.stats().byEndpoint['GET /api/v1/courses/:id/assignment_groups'] ?? 0;
    const cancelled = await db.selectFrom('syncs').select(['status', 'units_done', 'units_total']).where('id', '=', syncId).executeTakeFirstOrThrow();
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.units_done).toBeLessThan(cancelled.units_total);

    await h.resume(syncId);
    const row = await h.waitFor(syncId, ['completed', 'failed'], 120_000);
    expect(row.status).toBe('completed');
    const stats = h.sim.stats();
    // The course list was checkpointed: the resume did not list courses again.
    expect(stats.byEndpoint['GET /api/v1/courses']).toBe(1);
    // Each course fetched once, except those in flight at the cancel (at most 3 per token).
    const groupsCalls = stats.byEndpoint['GET /api/v1/courses/:id/assignment_groups'] ?? 0;
    expect(groupsCalls).toBeLessThanOrEqual(40 + (afterCancel - requestsAtCancel) + 3);
    const report = await compareWithGroundTruth(db, 'cancel-user', h.sim, user.id);
    expect(report.equal, compact(report.rows)).toBe(true);
  });

  it('a revoked token fails the sync with canvas_token_invalid; a new token and a resume complete it', { timeout: 120_000 }, async () => {
    h = await startPipeline({ sim: { users: [{ profile: 'student' }] } });
    const user = h.sim.users[0]!;
    await h.connect('revoked-user', user.id);
    h.sim.setFaults({ perToken: { [String(user.id)]: { revokeAtRequest: 3 } } });
    const syncId = await h.startSync('revoked-user', { chunkSize: 5 });
    const failed = await h.waitFor(syncId, ['failed', 'completed']);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('canvas_token_invalid');
    h.sim.clearFaults();
    await h.connect('revoked-user', user.id, h.sim.issueToken(user.id));
    await h.resume(syncId);
    const row = await h.waitFor(syncId, ['completed', 'failed']);
    expect(row.status).toBe('completed');
    const report = await compareWithGroundTruth(h.database.db, 'revoked-user', h.sim, user.id);
    expect(report.equal, compact(report.rows)).toBe(true);
  });

  it('a course the user may not read is a warning, and the rest completes', { timeout: 120_000 }, async () => {
    h = await startPipeline({ sim: { users: [{ profile: 'student' }] } });
    const user = h.sim.users[0]!;
    const courses = (h.sim.groundTruth(user.id).courses as Array<{ id: number; access_restricted_by_date?: boolean }>).filter((c) => !c.access_restricted_by_date);
    const forbidden = courses[1]!.id;
    h.sim.setFaults({ forbiddenCourseIds: [forbidden] });
    await h.connect('partial-user', user.id);
    const row = await h.waitFor(await h.startSync('partial-user'), ['completed', 'failed']);
    expect(row.status).toBe('completed');
    expect(row.warnings).toEqual([expect.objectContaining({ code: 'canvas_forbidden', unitKey: `course:${forbidden}` })]);
    const stored = await h.database.db.selectFrom('canvas.assignments').select('id').where('user_id', '=', 'partial-user').where('course_id', '=', forbidden).execute();
    expect(stored).toEqual([]);
  });

  it('two fetchers and two writers give the same rows, and every throttle of a small bucket is absorbed', { timeout: 240_000 }, async () => {
    h = await startPipeline({
      fetchers: 2,
      writers: 2,
      sim: { users: [{ profile: 'teacher' }], latency: { baseMs: 5, perItemMs: 0.05 }, throttle: { highWaterMark: 60, maximum: 100, leakPerSecond: 40, upfrontCost: 50, costPerItem: 0.05 } },
    });
    const user = h.sim.users[0]!;
    await h.connect('scale-user', user.id);
    const row = await h.waitFor(await h.startSync('scale-user', { chunkSize: 5 }), ['completed', 'failed'], 200_000);
    expect(row.status).toBe('completed');
    const stats = h.sim.stats();
    expect(stats.throttled).toBeGreaterThan(0);
    // The per-token budget holds across both fetcher processes (CANVAS_MAX_IN_FLIGHT = 3).
    expect(Math.max(...Object.values(stats.byToken).map((t) => t.peakInFlight))).toBeLessThanOrEqual(3);
    const report = await compareWithGroundTruth(h.database.db, 'scale-user', h.sim, user.id);
    expect(report.equal, compact(report.rows)).toBe(true);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimUserSpec } from '@canvas-sync/canvas-sim';
import { startPipeline, waitFor, type PipelineHarness } from '@canvas-sync/testkit';
import { DEFAULT_MAX_IN_FLIGHT } from '../../services/fetcher/src/budget/budget-policy.js';
import { ChaosDriver, expectClean, expectNothingRunning } from './support/chaos-driver.js';
import { ChaosReport } from './support/chaos-report.js';
import { runFairness } from './support/fairness.js';

/** A teacher-sized account per fault: 25 courses × 40 assignments, Canvas answering in ~0.2 s. */
const USER: SimUserSpec = { courses: 40, assignmentsPerCourse: 25 };
const FAULTS = 7;
/**
 * Where faults hit: once Canvas has been asked 4 times for the sync (the course list and the
 * first courses), so that most of its 41 requests are still to come. (It was "8 units written";
 * with ~11 requests in flight the fetch can end before the writer gets there.)
 */
const AT = 4;
/** The fairness run: one big teacher and nineteen small students at once. */
const TEACHER: SimUserSpec = { courses: 40, assignmentsPerCourse: 30, role: 'teacher' };
const STUDENT: SimUserSpec = { courses: 4, assignmentsPerCourse: 12 };

/**
 * Canvas misbehaving mid-sync: 5xx bursts, hung requests, an outage (circuit open, the sync says
 * it waits for Canvas), a throttle storm, malformed JSON, a revoked token, a forbidden course.
 * Each fault hits its own user's sync; every sync must end `completed` with the simulator's rows.
 * Then twenty users sync at once to show the fair share.
 */
describe('chaos: Canvas misbehaves mid-sync', () => {
  let h: PipelineHarness;
  let driver: ChaosDriver;
  const report = new ChaosReport('canvas-faults');
  let fairness: Record<string, unknown> | undefined;

  beforeAll(async () => {
    h = await startPipeline({
      sim: { users: [...Array.from({ length: FAULTS }, () => USER), TEACHER, ...Array.from({ length: 19 }, () => STUDENT)], latency: { baseMs: 200, perItemMs: 0.1 } },
      // Hung requests give up after 3 s here (30 s in production); the circuit retries after 1 s.
      env: { CANVAS_TIMEOUT_MS: '3000', CANVAS_BREAKER_RESET_MS: '1000', CANVAS_ALLOW_PRIVATE_NETWORK: 'true' },
    });
    driver = new ChaosDriver(h, report);
  });
  afterEach((ctx) => {
    h?.sim.clearFaults();
    if (ctx.task.result?.state === 'fail') for (const s of h?.services ?? []) process.stdout.write(`--- ${s.name} (exit ${s.child.exitCode ?? s.child.signalCode})\n${s.lines.slice(-40).join('\n')}\n`);
  });
  afterAll(async () => {
    // A failed check must not skip the clean-up: the services would outlive the run.
    try {
      if (h) await expectNothingRunning(h);
    } finally {
      report.write(fairness ? { fairness } : {});
      await h?.close();
    }
  });

  const tokenOf = (simUserId: number) => String(simUserId);
  /** The access token the run's connection holds (what the simulator's statistics are keyed by). */
  const canvasToken = (simUserId: number) => h.sim.users.find((u) => u.id === simUserId)!.token;
  const faultCounts = () => ({ ...h.sim.stats().faults });

  it('5xx bursts: failed pages are retried and the sync completes', async () => {
    const run = await driver.begin('5xx');
    const injectedAt = await driver.atRequests(run, AT, canvasToken(run.simUserId));
    const before = faultCounts();
    // Two bursts, each on until Canvas has served three more 5xx answers (or the sync is done).
    for (let burst = 1; burst <= 2; burst++) {
      h.sim.setFaults({ perToken: { [tokenOf(run.simUserId)]: { serverErrorRate: 0.6, serverErrorStatuses: [500, 502, 503, 504] } } });
      await waitFor(async () => (faultCounts().serverError ?? 0) - (before.serverError ?? 0) >= 3 * burst || (await driver.row(run)).status !== 'running', 30_000, '5xx answers');
      h.sim.clearFaults();
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const result = await driver.finish(run, { fault: 'Canvas 5xx bursts (2 bursts at 60 %, ≥ 3 errors each)', injectedAt, recovery: 'page retried with back-off; unit nak-ed and redelivered past the retries' });
    const faults = (result.notes.faults = diff(before, faultCounts()));
    expectClean(result);
    expect(faults.serverError).toBeGreaterThanOrEqual(3);
  });

  it('hung requests: they time out, are retried, and the sync completes', async () => {
    const run = await driver.begin('hang');
    const injectedAt = await driver.atRequests(run, AT, canvasToken(run.simUserId));
    const before = faultCounts();
    h.sim.setFaults({ perToken: { [tokenOf(run.simUserId)]: { hangRate: 0.25 } } });
    const result = await driver.finish(run, { fault: 'hung Canvas requests (25 % never answer)', injectedAt, recovery: 'CANVAS_TIMEOUT_MS (3 s here) aborts them; retried' });
    const faults = (result.notes.faults = diff(before, faultCounts()));
    expectClean(result);
    expect(faults.hang).toBeGreaterThan(0);
  });

  it('an outage: the circuit opens, the sync reports waiting_for_canvas, and goes on when Canvas returns', async () => {
    const run = await driver.begin('outage');
    const injectedAt = await driver.atRequests(run, AT, canvasToken(run.simUserId));
    const OUTAGE_S = 8;
    h.sim.setFaults({ outageSeconds: OUTAGE_S });
    const phases = new Map<string, number>();
    let row = await driver.row(run);
    while (row.status === 'running' || row.status === 'queued') {
      if (!phases.has(row.phase)) phases.set(row.phase, Date.now() - run.startedAt - injectedAt.afterMs);
      await new Promise((r) => setTimeout(r, 150));
      row = await driver.row(run);
    }
    const result = await driver.finish(run, {
      fault: `Canvas outage (${OUTAGE_S} s of 503s)`,
      injectedAt,
      recovery: 'circuit open: requests wait instead of failing; half-open trials every 1 s; canvas_back',
      notes: { phasesSeenMsAfterInjection: Object.fromEntries(phases) },
    });
    expectClean(result);
    expect([...phases.keys()]).toContain('waiting_for_canvas');
  });

  it('a throttle storm on the same token: throttles are absorbed, never fail the sync', async () => {
    const run = await driver.begin('storm');
    const injectedAt = await driver.atRequests(run, AT, canvasToken(run.simUserId));
    const token = h.sim.users.find((u) => u.id === run.simUserId)!.token;
    const courseId = (h.sim.groundTruth(run.simUserId).courses as Array<{ id: number; access_restricted_by_date?: boolean }>).find((c) => !c.access_restricted_by_date)!.id;
    const storm = await throttleStorm(h.sim.url, token, courseId, 5_000, 16);
    const result = await driver.finish(run, { fault: 'throttle storm (16 parallel clients on the token for 5 s)', injectedAt, recovery: 'budget pauses the token with back-off after each throttle', notes: {} });
    const fetcherThrottled = (h.sim.stats().byToken[token]?.throttled ?? 0) - storm.throttled;
    Object.assign(result.notes, { stormRequests: storm.requests, stormThrottled: storm.throttled, fetcherThrottled });
    expectClean(result);
    expect(storm.throttled).toBeGreaterThan(0);
  });

  it('malformed JSON pages: read as a bad answer, retried, and the sync completes', async () => {
    const run = await driver.begin('malformed');
    const injectedAt = await driver.atRequests(run, AT, canvasToken(run.simUserId));
    const before = faultCounts();
    h.sim.setFaults({ perToken: { [tokenOf(run.simUserId)]: { malformedJsonRate: 0.25 } } });
    const result = await driver.finish(run, { fault: 'malformed JSON on 25 % of pages', injectedAt, recovery: 'canvas_bad_response is retryable: page fetched again' });
    const faults = (result.notes.faults = diff(before, faultCounts()));
    expectClean(result);
    expect(faults.malformed).toBeGreaterThan(0);
  });

  it('a token revoked mid-sync fails it with canvas_token_invalid; a new token and a resume complete it', async () => {
    const run = await driver.begin('revoked');
    const injectedAt = await driver.atRequests(run, AT, canvasToken(run.simUserId));
    h.sim.revokeToken(run.simUserId);
    const failed = await h.waitFor(run.syncId, ['failed', 'completed'], 60_000);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('canvas_token_invalid');
    await h.connect(run.userId, run.simUserId, h.sim.issueToken(run.simUserId));
    await h.resume(run.syncId);
    const result = await driver.finish(run, {
      fault: 'token revoked mid-sync',
      injectedAt,
      recovery: 'failed/canvas_token_invalid at ' + `${failed.units_done}/${failed.units_total}; new token + resume from the checkpoint`,
      notes: { failedAt: { unitsDone: failed.units_done, unitsTotal: failed.units_total } },
    });
    expectClean(result);
  });

  it('a permission 403 on one course is a warning; the rest completes', async () => {
    const run = await driver.begin('forbidden');
    const injectedAt = await driver.atRequests(run, AT, canvasToken(run.simUserId));
    const pending = await h.database.db.selectFrom('sync_units').select('course_id').where('sync_id', '=', run.syncId).where('state', '=', 'pending').orderBy('course_id', 'desc').executeTakeFirstOrThrow();
    const forbidden = Number(pending.course_id);
    h.sim.setFaults({ forbiddenCourseIds: [forbidden] });
    const result = await driver.finish(run, { fault: 'permission 403 on one course', injectedAt, recovery: 'course skipped with a canvas_forbidden warning (partial success)', skippedCourseIds: [forbidden] });
    expectClean(result);
    const row = await driver.row(run);
    expect(row.warnings).toEqual([expect.objectContaining({ code: 'canvas_forbidden', unitKey: `course:${forbidden}` })]);
  });

  it('fairness: nineteen students are not held behind a teacher syncing at the same time', async () => {
    fairness = await runFairness(h, { teacher: FAULTS, students: Array.from({ length: 19 }, (_, i) => FAULTS + 1 + i) });
    const figures = fairness as { teacherMs: number; students: { medianMs: number; maxMs: number }; equal: boolean; teacherPeakInFlight: number };
    expect(figures.equal).toBe(true);
    // Structural, not timing: the teacher's token never had more than CANVAS_MAX_IN_FLIGHT (default 11) requests out.
    expect(figures.teacherPeakInFlight).toBeLessThanOrEqual(DEFAULT_MAX_IN_FLIGHT);
    expect(figures.students.medianMs).toBeLessThan(figures.teacherMs);
  });
});

function diff(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0));
}

/** Another client hammering the same token (a second app, a script): keeps the bucket over its line. */
async function throttleStorm(base: string, token: string, courseId: number, ms: number, parallel: number): Promise<{ requests: number; throttled: number }> {
  const until = Date.now() + ms;
  let requests = 0;
  let throttled = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (Date.now() < until) {
        const res = await fetch(`${base}/api/v1/courses/${courseId}/assignments?per_page=100`, { headers: { authorization: `Bearer ${token}`, 'user-agent': 'chaos-storm' } });
        await res.arrayBuffer();
        requests++;
        if (res.status === 429 || res.status === 403) throttled++;
      }
    }),
  );
  return { requests, throttled };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithGroundTruth, startPipeline, type PipelineHarness } from '@canvas-sync/testkit';

const compact = (v: unknown) => JSON.stringify(v, (_k, x) => (Array.isArray(x) && x.length > 8 ? `${x.length} ids` : x));

/**
 * A large account (250 courses × 100 assignments, each with the student's submission: ≈ 51,000
 * rows). The completion of a full sync sweeps every row of the account against what the run saw;
 * this is where a plan quadratic in the account's size would show as a sync that never completes.
 */
describe('a large account: full syncs complete, with the delete sweep, equal to ground truth', () => {
  let h: PipelineHarness;
  const USER = 'large-user';
  let simUser: number;
  beforeAll(async () => {
    h = await startPipeline({ sim: { users: [{ profile: 'student', courses: 250, assignmentsPerCourse: 100, restrictedCourses: 0 }], throttle: { enabled: false } } });
    simUser = h.sim.users[0]!.id;
    await h.connect(USER, simUser);
  }, 120_000);
  afterAll(async () => h?.close());

  const courseIds = () => (h.sim.groundTruth(simUser).courses as Array<{ id: number }>).map((c) => c.id);
  const assignmentsOf = (courseId: number) => (h.sim.groundTruthCourse(simUser, courseId)?.assignments ?? []) as Array<{ id: number }>;

  it('a first full sync of ≈ 51,000 rows completes equal to ground truth', { timeout: 300_000 }, async () => {
    const row = await h.waitFor(await h.startSync(USER, { chunkSize: 50 }), ['completed', 'failed'], 280_000);
    expect(row.status).toBe('completed');
    const report = await compareWithGroundTruth(h.database.db, USER, h.sim, simUser);
    expect(report.equal, compact(report.rows)).toBe(true);
    const rows = Object.values(report.rows).reduce((n, r) => n + r.actual, 0);
    expect(rows).toBeGreaterThanOrEqual(50_000);
  });

  it('after deletes, a dry run reports them and the full sync then marks exactly those rows', { timeout: 300_000 }, async () => {
    const [c1, c2] = courseIds();
    const removed = assignmentsOf(c1!).slice(0, 3).map((a) => a.id);
    for (const id of removed) h.sim.mutate({ op: 'deleteAssignment', assignmentId: id });
    const goneContents = assignmentsOf(c2!).length;
    h.sim.mutate({ op: 'deleteCourse', courseId: c2! });

    const preview = await h.waitFor(await h.startSync(USER, { chunkSize: 50, dryRun: true }), ['completed', 'failed'], 280_000);
    expect(preview.status).toBe('completed');
    const diff = preview.diff as Record<string, { delete: number[] }>;
    expect(diff.courses!.delete).toEqual([c2]);
    expect(diff.assignments!.delete).toHaveLength(removed.length + goneContents);
    expect(diff.assignments!.delete).toEqual(expect.arrayContaining(removed));

    const real = await h.waitFor(await h.startSync(USER, { chunkSize: 50 }), ['completed', 'failed'], 280_000);
    expect(real.status).toBe('completed');
    expect(real.counts.courses?.deleted).toBe(1);
    expect(real.counts.assignments?.deleted).toBe(removed.length + goneContents);
    const report = await compareWithGroundTruth(h.database.db, USER, h.sim, simUser);
    expect(report.equal, compact(report.rows)).toBe(true);
  });
});

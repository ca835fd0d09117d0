import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithGroundTruth, startPipeline, type PipelineHarness } from '@canvas-sync/testkit';

const compact = (v: unknown) => JSON.stringify(v, (_k, x) => (Array.isArray(x) && x.length > 8 ? `${x.length} ids` : x));

/**
 * Issue 14, "values that do not fit": a Canvas that sends dates Postgres refuses, a position above
 * 2³¹, U+0000 and lone surrogates, negative ids. Each used to fail the part in Postgres, again and
 * again, until the stall watchdog failed the sync. Now the sync completes: the column is NULL, raw
 * keeps the row (U+0000 and lone surrogates as U+FFFD), the sync has a warning.
 */
describe('values that do not fit their columns (issue 14)', () => {
  let h: PipelineHarness;
  const USER = 'unfit-user';
  let simUser: number;
  const ids = { course: 0, assignment: 0, group: 0, other: 0 };

  beforeAll(async () => {
    h = await startPipeline({ sim: { users: [{ profile: 'student' }] } });
    simUser = h.sim.users[0]!.id;
    await h.connect(USER, simUser);
    const courses = (h.sim.groundTruth(simUser).courses as Array<{ id: number; access_restricted_by_date?: boolean }>).filter((c) => !c.access_restricted_by_date);
    ids.course = courses[0]!.id;
    const content = h.sim.groundTruthCourse(simUser, ids.course)!;
    const assignments = content.assignments as Array<{ id: number }>;
    ids.assignment = assignments[0]!.id;
    ids.other = assignments[1]!.id;
    ids.group = (content.assignmentGroups as Array<{ id: number }>)[0]!.id;
    h.sim.mutate({ op: 'editCourse', courseId: ids.course, changes: { start_at: '1', account_id: -3 } });
    h.sim.mutate({ op: 'editAssignmentGroup', groupId: ids.group, changes: { position: 2 ** 31 + 5 } });
    h.sim.mutate({ op: 'editAssignment', assignmentId: ids.assignment, changes: { due_at: '2024-02-30T00:00:00Z', name: 'nul\u0000name', ['key\u0000']: { deep: ['\ud800'] } } });
    h.sim.mutate({ op: 'editAssignment', assignmentId: ids.other, changes: { lock_at: '2024-01-01', points_possible: 12 } });
  }, 120_000);
  afterAll(async () => h?.close());

  const db = () => h.database.db;

  it('a full sync completes: columns NULL, raw kept, warnings recorded, other rows as Canvas sent them', async () => {
    const row = await h.waitFor(await h.startSync(USER), ['completed', 'failed']);
    expect(row.status, compact(row.error)).toBe('completed');

    const course = await db().selectFrom('canvas.courses').selectAll().where('user_id', '=', USER).where('id', '=', ids.course).executeTakeFirstOrThrow();
    expect({ start_at: course.start_at, account_id: course.account_id }).toEqual({ start_at: null, account_id: null });
    expect(course.raw).toMatchObject({ start_at: '1', account_id: -3 });
    const group = await db().selectFrom('canvas.assignment_groups').selectAll().where('user_id', '=', USER).where('id', '=', ids.group).executeTakeFirstOrThrow();
    expect(group.position).toBeNull();
    expect(group.raw).toMatchObject({ position: 2 ** 31 + 5 });
    const a = await db().selectFrom('canvas.assignments').selectAll().where('user_id', '=', USER).where('id', '=', ids.assignment).executeTakeFirstOrThrow();
    expect({ due_at: a.due_at, name: a.name }).toEqual({ due_at: null, name: null });
    expect(a.raw).toMatchObject({ due_at: '2024-02-30T00:00:00Z', name: 'nul\ufffdname', ['key\ufffd']: { deep: ['\ufffd'] } });
    expect(a.points_possible).not.toBeNull();
    const other = await db().selectFrom('canvas.assignments').selectAll().where('user_id', '=', USER).where('id', '=', ids.other).executeTakeFirstOrThrow();
    expect({ lock_at: other.lock_at, points_possible: other.points_possible }).toEqual({ lock_at: null, points_possible: 12 });

    const unit = `course:${ids.course}`;
    expect(row.warnings).toEqual(
      expect.arrayContaining([
        { code: 'canvas_value_unfit', unitKey: 'courses', message: expect.stringContaining(`account_id, start_at left empty (ids ${ids.course})`) },
        { code: 'canvas_value_unfit', unitKey: unit, message: expect.stringContaining(`position left empty (ids ${ids.group})`) },
        { code: 'canvas_value_unfit', unitKey: unit, message: expect.stringMatching(/^Kept 2 rows of assignments with values that do not fit: due_at, lock_at, name left empty; U\+0000 or unpaired surrogates in raw replaced by U\+FFFD/) },
      ]),
    );
    expect(row.warnings.every((w) => ['canvas_value_unfit', 'canvas_forbidden', 'canvas_not_found'].includes(w.code))).toBe(true);

    // Everything else is exactly what Canvas sent; only the row with U+0000 differs, in raw.
    const report = await compareWithGroundTruth(db(), USER, h.sim, simUser);
    const different = Object.fromEntries(Object.entries(report.rows).map(([t, r]) => [t, { different: r.different, missing: r.missing.length, extra: r.extra.length }]));
    expect(different, compact(report.rows)).toEqual({
      courses: { different: [], missing: 0, extra: 0 },
      terms: { different: [], missing: 0, extra: 0 },
      assignment_groups: { different: [], missing: 0, extra: 0 },
      assignments: { different: [ids.assignment], missing: 0, extra: 0 },
      submissions: { different: [], missing: 0, extra: 0 },
    });
  });

  it('a dry run and an incremental sync of the same rows complete, see them unchanged, and warn again', async () => {
    const preview = await h.waitFor(await h.startSync(USER, { dryRun: true }), ['completed', 'failed']);
    expect(preview.status).toBe('completed');
    const diff = preview.diff as Record<string, { create: number[]; update: number[]; delete: number[] }>;
    for (const d of Object.values(diff)) expect(d).toEqual({ create: [], update: [], delete: [] });
    expect(preview.warnings.filter((w) => w.code === 'canvas_value_unfit')).toHaveLength(3);

    const incremental = await h.waitFor(await h.startSync(USER, { mode: 'incremental' }), ['completed', 'failed']);
    expect(incremental.status).toBe('completed');
    expect(incremental.counts.assignments).toMatchObject({ created: 0, updated: 0 });
    expect(incremental.warnings.filter((w) => w.code === 'canvas_value_unfit').length).toBeGreaterThanOrEqual(1);
  });

  it('once Canvas sends fitting values again, the columns fill in', async () => {
    h.sim.mutate({ op: 'editAssignment', assignmentId: ids.assignment, changes: { due_at: '2024-02-29T00:00:00Z', name: 'fixed' } });
    h.sim.mutate({ op: 'editAssignmentGroup', groupId: ids.group, changes: { position: 7 } });
    const row = await h.waitFor(await h.startSync(USER), ['completed', 'failed']);
    expect(row.status).toBe('completed');
    expect(row.counts.assignments?.updated).toBe(1);
    const a = await db().selectFrom('canvas.assignments').select(['due_at', 'name']).where('user_id', '=', USER).where('id', '=', ids.assignment).executeTakeFirstOrThrow();
    expect({ due_at: a.due_at?.toISOString(), name: a.name }).toEqual({ due_at: '2024-02-29T00:00:00.000Z', name: 'fixed' });
    const group = await db().selectFrom('canvas.assignment_groups').select('position').where('user_id', '=', USER).where('id', '=', ids.group).executeTakeFirstOrThrow();
    expect(group.position).toBe(7);
  });
});

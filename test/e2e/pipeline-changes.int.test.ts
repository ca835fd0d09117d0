import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { compareWithGroundTruth, startPipeline, type PipelineHarness } from '@canvas-sync/testkit';

const compact = (v: unknown) => JSON.stringify(v, (_k, x) => (Array.isArray(x) && x.length > 8 ? `${x.length} ids` : x));

describe('changes between syncs: create, update, delete, incremental, dry run, scopes', () => {
  let h: PipelineHarness;
  const USER = 'changes-user';
  let simUser: number;
  beforeAll(async () => {
    h = await startPipeline({ sim: { users: [{ profile: 'student' }] } });
    simUser = h.sim.users[0]!.id;
    await h.connect(USER, simUser);
    const first = await h.waitFor(await h.startSync(USER), ['completed', 'failed']);
    expect(first.status).toBe('completed');
  }, 120_000);
  afterAll(async () => h?.close());

  const courseIds = () => (h.sim.groundTruth(simUser).courses as Array<{ id: number; access_restricted_by_date?: boolean }>).filter((c) => !c.access_restricted_by_date).map((c) => c.id);
  const assignmentsOf = (courseId: number) => (h.sim.groundTruthCourse(simUser, courseId)?.assignments ?? []) as Array<{ id: number }>;
  const snapshot = async () =>
    (await sql<{ t: string; n: number; h: string }>`
      SELECT 'a' AS t, count(*)::int AS n, md5(string_agg(id || content_hash || coalesce(deleted_at::text, ''), ',' ORDER BY id)) AS h FROM canvas.assignments WHERE user_id = ${USER}
      UNION ALL SELECT 'c', count(*)::int, md5(string_agg(id || content_hash || coalesce(deleted_at::text, ''), ',' ORDER BY id)) FROM canvas.courses WHERE user_id = ${USER}
      UNION ALL SELECT 's', count(*)::int, md5(string_agg(id || content_hash || coalesce(deleted_at::text, ''), ',' ORDER BY id)) FROM canvas.submissions WHERE user_id = ${USER}`.execute(h.database.db)).rows;

  it('a dry run writes nothing, and its diff is exactly what the next full sync does', async () => {
    const [c1, c2] = courseIds();
    const added = h.sim.mutate({ op: 'addAssignment', courseId: c1!, name: 'Added between syncs' }) as { id: number };
    const edited = assignmentsOf(c1!)[0]!;
    h.sim.mutate({ op: 'editAssignment', assignmentId: edited.id, changes: { name: 'Renamed between syncs' } });
    const removed = assignmentsOf(c2!)[1]!;
    h.sim.mutate({ op: 'deleteAssignment', assignmentId: removed.id });

    const before = await snapshot();
    const preview = await h.waitFor(await h.startSync(USER, { dryRun: true }), ['completed', 'failed']);
    expect(preview.status).toBe('completed');
    expect(await snapshot()).toEqual(before);
    const diff = preview.diff as Record<string, { create: number[]; update: number[]; delete: number[] }>;
    expect(diff.assignments).toEqual({ create: [added.id], update: [edited.id], delete: [removed.id] });

    const real = await h.waitFor(await h.startSync(USER), ['completed', 'failed']);
    expect(real.status).toBe('completed');
    for (const resource of ['courses', 'assignment_groups', 'assignments', 'submissions']) {
      const counts = real.counts[resource] ?? { created: 0, updated: 0, deleted: 0 };
      const d = diff[resource]!;
      expect({ resource, created: counts.created, updated: counts.updated, deleted: counts.deleted }).toEqual({ resource, created: d.create.length, updated: d.update.length, deleted: d.delete.length });
    }
    const deletedRow = await h.database.db.selectFrom('canvas.assignments').select(['deleted_at']).where('user_id', '=', USER).where('id', '=', removed.id).executeTakeFirstOrThrow();
    expect(deletedRow.deleted_at).not.toBeNull();
    const report = await compareWithGroundTruth(h.database.db, USER, h.sim, simUser);
    expect(report.equal, compact(report.rows)).toBe(true);
  });

  it('marks a deleted course and its contents deleted after a full sync', async () => {
    const gone = courseIds()[2]!;
    const contents = assignmentsOf(gone).length;
    h.sim.mutate({ op: 'deleteCourse', courseId: gone });
    const row = await h.waitFor(await h.startSync(USER), ['completed', 'failed']);
    expect(row.counts.courses?.deleted).toBe(1);
    expect(row.counts.assignments?.deleted).toBe(contents);
    const report = await compareWithGroundTruth(h.database.db, USER, h.sim, simUser);
    expect(report.equal, compact(report.rows)).toBe(true);
  });

  it('an incremental sync rewrites only the rows that changed and deletes nothing', async () => {
    const [c1] = courseIds();
    const target = assignmentsOf(c1!)[2]!;
    const other = assignmentsOf(c1!)[3]!;
    h.sim.mutate({ op: 'editAssignment', assignmentId: target.id, changes: { points_possible: 77 } });
    const gone = assignmentsOf(c1!)[4]!;
    h.sim.mutate({ op: 'deleteAssignment', assignmentId: gone.id });
    const stamp = async (id: number) => (await h.database.db.selectFrom('canvas.assignments').select('synced_at').where('user_id', '=', USER).where('id', '=', id).executeTakeFirstOrThrow()).synced_at.getTime();
    const [targetBefore, otherBefore] = [await stamp(target.id), await stamp(other.id)];

    const row = await h.waitFor(await h.startSync(USER, { mode: 'incremental' }), ['completed', 'failed']);
    expect(row.status).toBe('completed');
    expect(row.counts.assignments).toMatchObject({ created: 0, updated: 1, deleted: 0 });
    expect(await stamp(target.id)).toBeGreaterThan(targetBefore);
    expect(await stamp(other.id)).toBe(otherBefore);
    const stillThere = await h.database.db.selectFrom('canvas.assignments').select('deleted_at').where('user_id', '=', USER).where('id', '=', gone.id).executeTakeFirstOrThrow();
    expect(stillThere.deleted_at).toBeNull();
  });

  it('a course scope touches only that course', async () => {
    const [c1, c2] = courseIds();
    h.sim.mutate({ op: 'editAssignment', assignmentId: assignmentsOf(c2!)[0]!.id, changes: { name: 'changed in another course' } });
    const a = assignmentsOf(c1!)[0]!;
    h.sim.mutate({ op: 'editAssignment', assignmentId: a.id, changes: { name: 'changed in the scoped course' } });
    const row = await h.waitFor(await h.startSync(USER, { scope: { type: 'course', courseId: c1! } }), ['completed', 'failed']);
    expect(row.status).toBe('completed');
    expect(row.counts.courses).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    expect(row.counts.assignments?.updated).toBe(1);
    const other = await h.database.db.selectFrom('canvas.assignments').select('name').where('user_id', '=', USER).where('id', '=', assignmentsOf(c2!)[0]!.id).executeTakeFirstOrThrow();
    expect(other.name).not.toBe('changed in another course');
  });

  it('a term scope syncs only the courses of that term', async () => {
    const courses = h.sim.groundTruth(simUser).courses as Array<{ id: number; enrollment_term_id?: number }>;
    const termId = courses.find((c) => c.enrollment_term_id !== undefined)!.enrollment_term_id!;
    const inTerm = courses.filter((c) => c.enrollment_term_id === termId).length;
    const row = await h.waitFor(await h.startSync(USER, { scope: { type: 'term', termId } }), ['completed', 'failed']);
    expect(row.status).toBe('completed');
    const seen = (row.counts.courses?.created ?? 0) + (row.counts.courses?.updated ?? 0) + (row.counts.courses?.unchanged ?? 0);
    expect(seen).toBe(inTerm);
    expect(row.counts.courses?.deleted ?? 0).toBe(0);
  });
});

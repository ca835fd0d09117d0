import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from '@nats-io/transport-node';
import { decodeMessage, syncRecords, type SyncRecords } from '@canvas-sync/shared';
import { compareWithGroundTruth, startPipeline, type PipelineHarness } from '@canvas-sync/testkit';

const compact = (v: unknown) => JSON.stringify(v, (_k, x) => (Array.isArray(x) && x.length > 8 ? `${x.length} ids` : x));
const COURSE_RESOURCES = ['assignment_groups', 'assignments', 'submissions'] as const;

/** What one sync published on the records subject for its course units: bytes, rows sent as text and ids sent as unchanged. */
interface Published {
  bytes: number;
  rows: Record<string, number>;
  ids: Record<string, number>;
}

/**
 * Scheduled resyncs (README "Schedules") carry unchanged rows as ids, not text (issue #15,
 * docs/performance.md "Scheduled resyncs"): the fetcher compares each fetched row's content hash
 * with the stored one, in incremental and full syncs alike. What must hold: the rows end equal to
 * Canvas's, the counts say what changed, a full sync still marks exactly the rows gone from Canvas
 * deleted (the ids count as seen) — and an unchanged row's text no longer travels through JetStream.
 */
describe('resyncs: unchanged rows travel as ids', () => {
  let h: PipelineHarness;
  let sub: Subscription;
  const USER = 'resync-ids-user';
  let simUser: number;
  const parts: Array<{ bytes: number; m: SyncRecords }> = [];

  beforeAll(async () => {
    h = await startPipeline({ sim: { users: [{ profile: 'student' }] } });
    simUser = h.sim.users[0]!.id;
    await h.connect(USER, simUser);
    // Every records part, as the writer's consumer gets it (a core subscription sees each publish).
    sub = h.nats.nc.subscribe(h.nats.ns.subject(syncRecords));
    void (async () => {
      for await (const msg of sub) {
        const decoded = decodeMessage(msg.data, [syncRecords]);
        if (decoded.ok) parts.push({ bytes: msg.data.byteLength, m: decoded.message.payload as SyncRecords });
      }
    })();
    const first = await h.waitFor(await h.startSync(USER), ['completed', 'failed']);
    expect(first.status).toBe('completed');
  }, 120_000);
  afterAll(async () => {
    sub?.unsubscribe();
    await h?.close();
  });

  const published = async (syncId: string): Promise<Published> => {
    await h.nats.nc.flush();
    const out: Published = { bytes: 0, rows: {}, ids: {} };
    for (const { bytes, m } of parts) {
      if (m.syncId !== syncId || !m.unitKey.startsWith('course:')) continue;
      out.bytes += bytes;
      for (const r of COURSE_RESOURCES) {
        out.rows[r] = (out.rows[r] ?? 0) + (m.records[r]?.length ?? 0);
        out.ids[r] = (out.ids[r] ?? 0) + (m.unchanged?.[r]?.length ?? 0);
      }
    }
    return out;
  };
  const truth = () => h.sim.groundTruth(simUser) as unknown as Record<'courses' | 'assignmentGroups' | 'assignments' | 'submissions', Array<{ id: number; course_id?: number; assignment_id?: number }>>;
  const liveCourses = () => (truth().courses as Array<{ id: number; access_restricted_by_date?: boolean }>).filter((c) => !c.access_restricted_by_date).map((c) => c.id);
  const assignmentsOf = (courseId: number) => (h.sim.groundTruthCourse(simUser, courseId)?.assignments ?? []) as Array<{ id: number }>;
  const expectGroundTruth = async () => {
    const report = await compareWithGroundTruth(h.database.db, USER, h.sim, simUser);
    expect(report.equal, compact(report.rows)).toBe(true);
  };

  it('an incremental resync with nothing changed in Canvas sends no row of a course, only ids, and counts them all unchanged', async () => {
    const t = truth();
    const expected = { assignment_groups: t.assignmentGroups.length, assignments: t.assignments.length, submissions: t.submissions.length };
    const row = await h.waitFor(await h.startSync(USER, { mode: 'incremental' }), ['completed', 'failed']);
    expect(row.status).toBe('completed');
    const sent = await published(row.id);
    // Before: every row's text, ~1.5 KB each (a student's ~550 rows: ~0.8 MB); now ids only.
    expect(sent.rows).toEqual({ assignment_groups: 0, assignments: 0, submissions: 0 });
    expect(sent.ids).toEqual(expected);
    expect(sent.bytes).toBeLessThan(20 * 1024);
    for (const r of COURSE_RESOURCES) expect({ r, ...row.counts[r] }).toEqual({ r, created: 0, updated: 0, unchanged: expected[r], deleted: 0 });
    await expectGroundTruth();
  });

  it('an incremental resync after changes in Canvas sends the changed and new rows as text, writes exactly them, counts the rest unchanged', async () => {
    const [c1, c2] = liveCourses();
    const edited = assignmentsOf(c1!)[0]!;
    h.sim.mutate({ op: 'editAssignment', assignmentId: edited.id, changes: { name: 'Renamed before a resync', points_possible: 42 } });
    const graded = assignmentsOf(c2!)[1]!;
    h.sim.mutate({ op: 'gradeSubmission', assignmentId: graded.id, score: 7 });
    const added = h.sim.mutate({ op: 'addAssignment', courseId: c2!, name: 'Added before a resync' }) as { id: number };
    const t = truth();
    const total = { assignment_groups: t.assignmentGroups.length, assignments: t.assignments.length, submissions: t.submissions.length };

    const row = await h.waitFor(await h.startSync(USER, { mode: 'incremental' }), ['completed', 'failed']);
    expect(row.status).toBe('completed');
    const sent = await published(row.id);
    expect(sent.rows.assignment_groups).toBe(0);
    // The edited and the added assignment; the graded submission (and the new assignment's, when Canvas has one).
    expect(sent.rows.assignments).toBe(2);
    expect(sent.rows.submissions).toBeGreaterThanOrEqual(1);
    for (const r of COURSE_RESOURCES) {
      const c = { created: 0, updated: 0, unchanged: 0, deleted: 0, ...row.counts[r] };
      // Written = what was sent as text (each of it changed); unchanged = what was sent as ids; nothing deleted.
      expect({ r, written: c.created + c.updated, unchanged: c.unchanged, deleted: c.deleted }).toEqual({ r, written: sent.rows[r], unchanged: sent.ids[r], deleted: 0 });
      expect({ r, seen: c.created + c.updated + c.unchanged }).toEqual({ r, seen: total[r] });
    }
    expect(row.counts.assignments).toMatchObject({ created: 1, updated: 1 });
    const stored = await h.database.db.selectFrom('canvas.assignments').select(['id', 'name', 'points_possible']).where('user_id', '=', USER).where('id', 'in', [edited.id, added.id]).orderBy('id').execute();
    expect(stored).toEqual([{ id: edited.id, name: 'Renamed before a resync', points_possible: 42 }, { id: added.id, name: 'Added before a resync', points_possible: 10 }].sort((a, b) => a.id - b.id));
    const score = await h.database.db.selectFrom('canvas.submissions').select('score').where('user_id', '=', USER).where('assignment_id', '=', graded.id).executeTakeFirstOrThrow();
    expect(score.score).toBe(7);
    await expectGroundTruth();
  });

  it('a full resync sends unchanged rows as ids too, and still marks exactly the assignment deleted in Canvas (and its submission) deleted', async () => {
    const [c1] = liveCourses();
    const gone = assignmentsOf(c1!)[2]!;
    const goneSubmissions = truth().submissions.filter((s) => s.assignment_id === gone.id).map((s) => s.id);
    h.sim.mutate({ op: 'deleteAssignment', assignmentId: gone.id });
    const t = truth();

    const row = await h.waitFor(await h.startSync(USER, { mode: 'full' }), ['completed', 'failed']);
    expect(row.status).toBe('completed');
    const sent = await published(row.id);
    // Nothing changed in what Canvas still has: no row's text travels (before: every row's).
    expect(sent.rows).toEqual({ assignment_groups: 0, assignments: 0, submissions: 0 });
    expect(sent.ids).toEqual({ assignment_groups: t.assignmentGroups.length, assignments: t.assignments.length, submissions: t.submissions.length });
    expect(row.counts.assignments).toEqual({ created: 0, updated: 0, unchanged: t.assignments.length, deleted: 1 });
    expect(row.counts.submissions).toEqual({ created: 0, updated: 0, unchanged: t.submissions.length, deleted: goneSubmissions.length });
    expect(row.counts.assignment_groups).toEqual({ created: 0, updated: 0, unchanged: t.assignmentGroups.length, deleted: 0 });
    const deleted = await h.database.db.selectFrom('canvas.assignments').select('id').where('user_id', '=', USER).where('deleted_at', 'is not', null).execute();
    expect(deleted.map((d) => d.id)).toEqual([gone.id]);
    await expectGroundTruth();
  });
});

import { compareWithGroundTruth, waitFor, type PipelineHarness } from '@canvas-sync/testkit';

/** The fairness figures the report prints. */
export interface FairnessFigures {
  users: number;
  teacherMs: number;
  students: { count: number; minMs: number; medianMs: number; p90Ms: number; maxMs: number; finishedBeforeTeacher: number };
  /** Every sync completed and equal to the ground truth. */
  equal: boolean;
  teacherPeakInFlight: number;
  teacherRequests: number;
  wallMs: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/**
 * Starts a teacher's big sync and, right behind it, many students' small ones; measures each
 * sync's time from creation to completion (database clocks) and checks every user's rows.
 */
export async function runFairness(h: PipelineHarness, who: { teacher: number; students: number[] }): Promise<FairnessFigures & Record<string, unknown>> {
  const users = [who.teacher, ...who.students].map((index, i) => ({ index, simUser: h.sim.users[index]!, userId: i === 0 ? 'fair-teacher' : `fair-student-${i}` }));
  for (const u of users) await h.connect(u.userId, u.simUser.id);
  const started = Date.now();
  const syncIds: string[] = [];
  for (const u of users) syncIds.push(await h.startSync(u.userId, { chunkSize: 5 }));
  const db = h.database.db;
  await waitFor(async () => {
    const open = await db.selectFrom('syncs').select('id').where('id', 'in', syncIds).where('status', 'in', ['queued', 'running']).execute();
    return open.length === 0;
  }, 180_000, 'every fairness sync to finish');
  const wallMs = Date.now() - started;
  const rows = await db.selectFrom('syncs').select(['id', 'status', 'created_at', 'finished_at']).where('id', 'in', syncIds).execute();
  const took = (id: string) => {
    const r = rows.find((x) => x.id === id)!;
    return r.status === 'completed' && r.finished_at ? r.finished_at.getTime() - r.created_at.getTime() : Number.POSITIVE_INFINITY;
  };
  const teacherMs = took(syncIds[0]!);
  const studentMs = syncIds.slice(1).map(took).sort((a, b) => a - b);
  let equal = rows.every((r) => r.status === 'completed');
  for (const u of users) equal = equal && (await compareWithGroundTruth(db, u.userId, h.sim, u.simUser.id)).equal;
  const teacherToken = h.sim.stats().byToken[users[0]!.simUser.token];
  const figures = {
    users: users.length,
    teacherMs,
    students: {
      count: studentMs.length,
      minMs: studentMs[0]!,
      medianMs: percentile(studentMs, 0.5),
      p90Ms: percentile(studentMs, 0.9),
      maxMs: studentMs[studentMs.length - 1]!,
      finishedBeforeTeacher: studentMs.filter((ms) => ms < teacherMs).length,
    },
    equal,
    teacherPeakInFlight: teacherToken?.peakInFlight ?? 0,
    teacherRequests: teacherToken?.requests ?? 0,
    wallMs,
  };
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  process.stdout.write(
    `\nfairness: ${figures.users} users at once; teacher ${s(teacherMs)} (${figures.teacherRequests} requests, peak ${figures.teacherPeakInFlight} in flight); ` +
      `students min ${s(figures.students.minMs)} / median ${s(figures.students.medianMs)} / p90 ${s(figures.students.p90Ms)} / max ${s(figures.students.maxMs)}; ` +
      `${figures.students.finishedBeforeTeacher}/${figures.students.count} students finished before the teacher; all equal to ground truth: ${equal}\n`,
  );
  return figures;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithGroundTruth, startPipeline, type PipelineHarness } from '@canvas-sync/testkit';

describe('the pipeline: fetcher → JetStream → writer → Postgres', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipeline({ sim: { users: [{ profile: 'student' }, { profile: 'teacher' }] } });
  }, 120_000);
  afterAll(async () => h?.close());

  it('syncs a student to exactly the simulator ground truth', async () => {
    const student = h.sim.users[0]!;
    await h.connect('student-1', student.id);
    const syncId = await h.startSync('student-1');
    const row = await h.waitFor(syncId, ['completed', 'failed']);
    expect(row.error).toBeNull();
    expect(row.status).toBe('completed');
    const report = await compareWithGroundTruth(h.database.db, 'student-1', h.sim, student.id);
    expect(report.rows).toMatchObject({ courses: { missing: [], extra: [], different: [] } });
    expect(report.equal, JSON.stringify(report.rows, (k, v) => (Array.isArray(v) && v.length > 5 ? `${v.length} ids` : v))).toBe(true);
    expect(row.units_done).toBe(row.units_total);
  });

  it('syncs a teacher to exactly the simulator ground truth', { timeout: 180_000 }, async () => {
    const teacher = h.sim.users[1]!;
    await h.connect('teacher-1', teacher.id);
    const syncId = await h.startSync('teacher-1', { chunkSize: 5 });
    const row = await h.waitFor(syncId, ['completed', 'failed'], 120_000);
    expect(row.status).toBe('completed');
    const report = await compareWithGroundTruth(h.database.db, 'teacher-1', h.sim, teacher.id);
    expect(report.equal, JSON.stringify(report.rows, (k, v) => (Array.isArray(v) && v.length > 5 ? `${v.length} ids` : v))).toBe(true);
  });
});

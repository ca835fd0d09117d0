import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, syncPlanned, syncRecords, syncStatus, type RecordSet } from '@canvas-sync/shared';
import { startPipeline, type PipelineHarness } from '@canvas-sync/testkit';

/**
 * A writer process fed `sync.records` straight over JetStream (no fetcher): rows without a usable id
 * (missing, negative, beyond 2⁵³, a string) must not get the part refused or stall the sync (issue 14).
 * The fetcher drops such rows already; the writer must be safe when one arrives anyway.
 */
describe('writer: rows without a usable id', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipeline({ fetchers: 0, writers: 1 });
  }, 120_000);
  afterAll(async () => h?.close());

  const send = async (USER: string, syncId: string, unitKey: string, records: Record<string, unknown[]>) =>
    publish(h.nats.js, h.nats.ns, syncRecords, { syncId, userId: USER, run: 0, unitKey, fetchId: randomUUID(), part: 0, final: true, records: records as RecordSet }, { id: `${syncId}:${unitKey}`, correlationId: syncId });

  it.each([false, true])('skips them with a warning and completes (dry run: %s)', async (dryRun) => {
    const USER = `idless-${String(dryRun)}`;
    await h.connect(USER, h.sim.users[0]!.id);
    const syncId = await h.startSync(USER, { dryRun }, { lose: true });
    const opts = { correlationId: syncId };
    await publish(h.nats.js, h.nats.ns, syncStatus, { syncId, userId: USER, run: 0, kind: 'started' }, { ...opts, id: `${syncId}:started` });
    await publish(h.nats.js, h.nats.ns, syncPlanned, { syncId, userId: USER, run: 0, courseIds: [501], unitCount: 1 }, { ...opts, id: `${syncId}:planned` });
    await send(USER, syncId, 'courses', { courses: [{ id: 501, name: 'Kept' }, { id: -1, name: 'negative' }, { name: 'no id' }, { id: 2 ** 53 + 2, name: 'unsafe' }] });
    await send(USER, syncId, 'course:501', { assignments: [{ id: 9001, name: 'Kept', position: 1 }, { id: '9002', name: 'string id' }, { id: null }], submissions: [{ id: 1.5, assignment_id: 9001 }] });

    const row = await h.waitFor(syncId, ['completed', 'failed']);
    expect(row.status).toBe('completed');
    // Parts are written in parallel: their warnings come in any order.
    expect(row.warnings).toHaveLength(3);
    expect(row.warnings).toEqual(expect.arrayContaining([
      { code: 'canvas_row_without_id', unitKey: 'courses', message: 'Skipped 3 rows of courses without a usable id (a non-negative integer below 2^53).' },
      { code: 'canvas_row_without_id', unitKey: 'course:501', message: 'Skipped 2 rows of assignments without a usable id (a non-negative integer below 2^53).' },
      { code: 'canvas_row_without_id', unitKey: 'course:501', message: 'Skipped 1 row of submissions without a usable id (a non-negative integer below 2^53).' },
    ]));
    const courses = await h.database.db.selectFrom('canvas.courses').select(['id', 'name']).where('user_id', '=', USER).execute();
    const assignments = await h.database.db.selectFrom('canvas.assignments').select(['id', 'course_id']).where('user_id', '=', USER).execute();
    if (dryRun) {
      expect(row.diff).toMatchObject({ courses: { create: [501], update: [] }, assignments: { create: [9001], update: [] } });
      expect([...courses, ...assignments]).toEqual([]);
    } else {
      expect(courses.map((c) => ({ ...c, id: Number(c.id) }))).toEqual([{ id: 501, name: 'Kept' }]);
      expect(assignments.map((a) => ({ id: Number(a.id), course_id: Number(a.course_id) }))).toEqual([{ id: 9001, course_id: 501 }]);
      expect(row.counts).toMatchObject({ courses: { created: 1 }, assignments: { created: 1 } });
    }
  });
});

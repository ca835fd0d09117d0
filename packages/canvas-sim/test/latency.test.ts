import { afterEach, describe, expect, it } from 'vitest';
import { startCanvasSim, type CanvasSim } from '../src/index.js';
import { get, type Row } from './helpers.js';

/**
 * CANVAS.md simulator point 9: latency = base + per item. Only lower bounds are asserted (a loaded
 * machine can only make answers slower), with generous margins.
 */
describe('latency', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());

  it('waits at least the base latency plus the per-item time', async () => {
    sim = await startCanvasSim({
      users: [{ courses: 1, assignmentsPerCourse: 100, restrictedCourses: 0 }],
      latency: { baseMs: 150, perItemMs: 4 },
      throttle: { enabled: false },
    });
    const { token, id } = sim.users[0]!;
    const course = (sim.groundTruth(id).courses[0] as Row)['id'] as number;
    let started = Date.now();
    expect((await get(sim, '/api/v1/users/self', token)).status).toBe(200);
    const single = Date.now() - started;
    expect(single).toBeGreaterThanOrEqual(140);
    started = Date.now();
    expect((await get(sim, `/api/v1/courses/${course}/assignments?per_page=100`, token)).status).toBe(200);
    // 150 ms + 100 rows × 4 ms = 550 ms at least.
    expect(Date.now() - started).toBeGreaterThanOrEqual(530);
  });
});

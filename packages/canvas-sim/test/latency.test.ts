import { afterEach, describe, expect, it } from 'vitest';
import { REALISTIC_LATENCY, startCanvasSim, type CanvasSim } from '../src/index.js';
import { createPrng } from '../src/data/prng.js';
import { latencyMs } from '../src/http/latency.js';
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

  it('gives an endpoint its own latency: a course\'s assignment groups slow, the rest as configured', async () => {
    sim = await startCanvasSim({
      users: [{ courses: 1, assignmentsPerCourse: 50, restrictedCourses: 0 }],
      latency: { baseMs: 0, perItemMs: 0, endpoints: { '/api/v1/courses/:id/assignment_groups': { baseMs: 400, perItemMs: 2 } } },
      throttle: { enabled: false },
    });
    const { token, id } = sim.users[0]!;
    const course = (sim.groundTruth(id).courses[0] as Row)['id'] as number;
    const started = Date.now();
    expect((await get(sim, `/api/v1/courses/${course}/assignment_groups?include[]=assignments&per_page=100`, token)).status).toBe(200);
    // 400 ms + (groups + 50 embedded assignments) × 2 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(480);
  });

  it('computes the planned latency per endpoint, seeded (what the realistic preset gives each call)', () => {
    const prng = createPrng(7);
    const l = REALISTIC_LATENCY;
    expect(latencyMs({ ...l, jitterMs: 0 }, 10, prng, 'GET /api/v1/users/:id')).toBeCloseTo(43);
    const groups = Array.from({ length: 200 }, () => latencyMs(l, 100, prng, 'GET /api/v1/courses/:id/assignment_groups'));
    expect(Math.min(...groups)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...groups)).toBeLessThan(1_000);
    expect(Math.max(...groups) - Math.min(...groups)).toBeGreaterThan(300);
    const again = createPrng(7);
    latencyMs({ ...l, jitterMs: 0 }, 10, again, 'GET /api/v1/users/:id');
    expect(latencyMs(l, 100, again, 'GET /api/v1/courses/:id/assignment_groups')).toBe(groups[0]);
  });

  it('with jitterBy "path" draws once per page: every request of a page waits the same, other pages differ', () => {
    const l = REALISTIC_LATENCY;
    expect(l.jitterBy).toBe('path');
    const endpoint = 'GET /api/v1/courses/:id/assignment_groups';
    const page = (path: string, seed = 42) => ({ seed, url: new URL(path, 'http://canvas.test') });
    const course = '/api/v1/courses/11/assignment_groups?include[]=assignments&per_page=100';
    // Two clients asking in their own order (their own share of the request stream) meet the same latency.
    const first = latencyMs(l, 100, createPrng(1), endpoint, page(course));
    expect(latencyMs(l, 100, createPrng(2), endpoint, page(`${course}&include[]=submission`))).toBe(first);
    // Other courses and pages, and another seed, draw again: the jitter still spreads.
    const others = Array.from({ length: 100 }, (_, i) => latencyMs(l, 100, createPrng(1), endpoint, page(`/api/v1/courses/${i + 100}/assignment_groups`)));
    expect(Math.max(...others) - Math.min(...others)).toBeGreaterThan(300);
    expect(latencyMs(l, 100, createPrng(1), endpoint, page(`${course}&page=2`))).not.toBe(first);
    expect(latencyMs(l, 100, createPrng(1), endpoint, page(course, 43))).not.toBe(first);
    // By request (the default), the same page draws anew each time.
    const byRequest = { ...l, jitterBy: 'request' as const };
    const prng = createPrng(1);
    expect(latencyMs(byRequest, 100, prng, endpoint, page(course))).not.toBe(latencyMs(byRequest, 100, prng, endpoint, page(course)));
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE, type CanvasSim } from '../src/index.js';
import { formatFloat, Throttle } from '../src/http/throttle.js';
import { get, startQuietSim, type RawAnswer, type Row } from './helpers.js';

/** CANVAS.md simulator points 4 and 9: the leaky bucket, its headers, and costs that grow with work. */
describe('leaky bucket (unit, fake clock)', () => {
  it('judges after adding the up-front cost, so the 12th parallel request at zero cost is refused', () => {
    let now = 0;
    const throttle = new Throttle({ ...DEFAULT_THROTTLE }, () => now);
    const held = Array.from({ length: 11 }, () => throttle.reserve('t'));
    expect(held.every((r) => !r.throttled)).toBe(true);
    const twelfth = throttle.reserve('t');
    expect(twelfth.throttled).toBe(true);
    expect(throttle.settle(twelfth, 0)).toBe(50);
    for (const r of held) throttle.settle(r, 0);
    expect(throttle.level('t')).toBe(0);
    now += 1;
    expect(throttle.reserve('t').throttled).toBe(false);
  });

  it('leaks at leakPerSecond, caps at maximum and refuses at the high-water mark', () => {
    let now = 0;
    const throttle = new Throttle({ ...DEFAULT_THROTTLE, upfrontCost: 0 }, () => now);
    const r = throttle.reserve('t');
    expect(throttle.settle(r, 1000)).toBe(600 - 800);
    expect(throttle.reserve('t').throttled).toBe(true);
    now += 20_000; // 200 units leak away: 800 → 600, still at the line
    expect(throttle.reserve('t').throttled).toBe(true);
    now += 100;
    expect(throttle.reserve('t').throttled).toBe(false);
    expect(throttle.level('t')).toBeCloseTo(599, 5);
  });

  it('keeps one bucket per key', () => {
    const throttle = new Throttle({ ...DEFAULT_THROTTLE, upfrontCost: 0 }, () => 0);
    throttle.settle(throttle.reserve('a'), 700);
    expect(throttle.reserve('a').throttled).toBe(true);
    expect(throttle.reserve('b').throttled).toBe(false);
  });

  it('formats floats as Ruby does', () => {
    expect(formatFloat(600)).toBe('600.0');
    expect(formatFloat(599.25)).toBe('599.25');
    expect(formatFloat(-0)).toBe('0.0');
  });
});

describe('throttling over HTTP', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());

  const coursePath = (s: CanvasSim): string => `/api/v1/courses/${String((s.groundTruth(s.users[0]!.id).courses.find((c) => !(c as Row)['access_restricted_by_date']) as Row)['id'])}`;

  it('sends X-Request-Cost and X-Rate-Limit-Remaining as floats on every token answer, errors included', async () => {
    sim = await startQuietSim();
    const { token } = sim.users[0]!;
    const answers = await Promise.all([
      get(sim, '/api/v1/users/self', token),
      get(sim, '/api/v1/courses/424242/assignments', token),
      get(sim, '/api/v1/accounts/1/terms', token),
      get(sim, '/api/v1/users/self', 'not-a-token'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 404, 403, 401]);
    for (const answer of answers) {
      expect(answer.headers['x-request-cost']).toMatch(/^\d+\.\d+$/);
      expect(answer.headers['x-rate-limit-remaining']).toMatch(/^-?\d+\.\d+$/);
    }
  });

  it('throttles exactly the 12th of 12 parallel zero-cost requests with a 403 text/plain, no cost, no Retry-After', async () => {
    sim = await startQuietSim({ latency: { baseMs: 1500, perItemMs: 0 }, throttle: { leakPerSecond: 0, baseCost: 0, costPerItem: 0 } });
    const { token } = sim.users[0]!;
    const answers = await Promise.all(Array.from({ length: 12 }, () => get(sim, '/api/v1/users/self', token)));
    const refused = answers.filter((a) => a.status === 403);
    expect(refused).toHaveLength(1);
    const [throttled] = refused as [RawAnswer];
    expect(throttled.text).toBe('403 Forbidden (Rate Limit Exceeded)\n');
    expect(throttled.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(throttled.headers['x-rate-limit-remaining']).toBe('0.0');
    expect(throttled.headers['x-request-cost']).toBeUndefined();
    expect(throttled.headers['retry-after']).toBeUndefined();
    expect(sim.stats().throttled).toBe(1);
    expect(sim.stats().byToken[token]?.peakInFlight).toBe(11);
  });

  it('throttles some of 20 parallel requests with Canvas defaults', async () => {
    sim = await startQuietSim({ latency: { baseMs: 1500, perItemMs: 0 } });
    const { token } = sim.users[0]!;
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(sim, '/api/v1/users/self', token)));
    const throttled = answers.filter((a) => a.status === 403 && a.text.includes('Rate Limit Exceeded'));
    // 12 fit under the line (13 if the bucket leaks a little while they arrive); the rest are refused.
    expect(throttled.length).toBeGreaterThanOrEqual(5);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(11);
  });

  it('answers 429 when configured as hosted Canvas', async () => {
    sim = await startQuietSim({ throttle: { status: 429, upfrontCost: 0, highWaterMark: 1, costPerItem: 5 } });
    const { token } = sim.users[0]!;
    const first = await get(sim, '/api/v1/courses', token);
    expect(first.status).toBe(200);
    const second = await get(sim, '/api/v1/courses', token);
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBeUndefined();
    expect(second.headers['x-request-cost']).toBeUndefined();
  });

  it('charges more for more rows and for includes', async () => {
    sim = await startQuietSim({ users: [{ courses: 1, assignmentsPerCourse: 100, restrictedCourses: 0 }] });
    const { token } = sim.users[0]!;
    const path = coursePath(sim);
    const cost = async (p: string): Promise<number> => Number((await get(sim, p, token)).headers['x-request-cost']);
    const few = await cost(`${path}/assignments?per_page=5`);
    const many = await cost(`${path}/assignments?per_page=100`);
    const groups = await cost(`${path}/assignment_groups`);
    const groupsWithAll = await cost(`${path}/assignment_groups?include[]=assignments&include[]=submission`);
    expect(many).toBeGreaterThan(few);
    expect(groupsWithAll).toBeGreaterThan(groups);
    expect(groupsWithAll).toBeGreaterThan(many);
  });

  it('binds on a big account: sequential heavy pages drain Remaining until a request is refused', async () => {
    sim = await startQuietSim({ users: [{ courses: 1, assignmentsPerCourse: 100, restrictedCourses: 0 }], throttle: { costPerItem: 1 } });
    const { token } = sim.users[0]!;
    const path = `${coursePath(sim)}/assignments?per_page=100`;
    const remaining: number[] = [];
    let status = 200;
    for (let i = 0; i < 20 && status === 200; i++) {
      const answer = await get(sim, path, token);
      status = answer.status;
      remaining.push(Number(answer.headers['x-rate-limit-remaining']));
    }
    expect(status).toBe(403);
    expect(remaining[1]).toBeLessThan(remaining[0]!);
    expect(sim.stats().bucketSamples.length).toBe(remaining.length);
  });

  it('reports the bucket and peak in-flight per token in stats, and a disabled throttle never refuses', async () => {
    sim = await startQuietSim({ latency: { baseMs: 1500, perItemMs: 0 }, throttle: { enabled: false } });
    const { token, id } = sim.users[0]!;
    const answers = await Promise.all(Array.from({ length: 15 }, () => get(sim, '/api/v1/users/self', token)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const stats = sim.stats();
    expect(stats.byToken[token]?.userId).toBe(id);
    expect(stats.byToken[token]?.requests).toBe(15);
    expect(stats.byToken[token]?.peakInFlight).toBeGreaterThanOrEqual(10);
    expect(stats.byEndpoint['GET /api/v1/users/:id']).toBe(15);
    expect(stats.byStatus['200']).toBe(15);
    sim.resetStats();
    expect(sim.stats().requests).toBe(0);
  });
});

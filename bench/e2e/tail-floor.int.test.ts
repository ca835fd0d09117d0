import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSimProcess, createTestDatabase, type SimProcess, type TestDatabase } from '@canvas-sync/testkit';
import { runFetchFloor } from './fetch-floor.js';
import { runTailFloor } from './tail-floor.js';

/** The tail floor carries and stores the rows of the course the floor read last, and only those. */
describe('runTailFloor', () => {
  let sim: SimProcess;
  let database: TestDatabase;
  beforeAll(async () => {
    // Each page's latency drawn once (`path`), from a seed whose slowest course draws ~0.5 of the
    // jitter above the next: that course answers last by ~300 ms, every time, even while another
    // test file loads the machine (with the default seed the two slowest were 11 ms apart).
    sim = await startSimProcess({ seed: 269, users: [{ profile: 'student' }], latency: { baseMs: 0, perItemMs: 0, jitterMs: 600, jitterBy: 'path' } });
    database = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    await sim?.close();
    await database?.drop();
  });

  it('times the last course’s rows through JetStream and into Postgres', async () => {
    const user = sim.users[0]!.id;
    const floor = await runFetchFloor({ simUrl: sim.url, token: await sim.issueToken(user), keepRows: true });
    // The slowest course, timed one by one: the floor asks for all of them at once.
    const token = await sim.issueToken(user);
    const courses = await Promise.all(
      floor.rows!.groups.map(async ({ courseId, groups }) => {
        const start = performance.now();
        const res = await fetch(`${sim.url}/api/v1/courses/${courseId}/assignment_groups?include[]=assignments&include[]=submission&per_page=100`, { headers: { authorization: `Bearer ${token}` } });
        await res.text();
        const rows = groups.reduce((n, g) => n + 1 + ((g.assignments as Array<{ submission?: unknown }> | undefined) ?? []).reduce((k, a) => k + 1 + (a.submission ? 1 : 0), 0), 0);
        return { courseId, rows, ms: performance.now() - start };
      }),
    );
    const slowest = courses.reduce((a, b) => (b.ms > a.ms ? b : a));
    expect(floor.lastCourseId).toBe(slowest.courseId);

    const tail = await runTailFloor({ databaseUrl: database.url, natsUrl: inject('testInfra').natsUrl, userId: 'tail-floor-user', read: floor.rows!, courseId: floor.lastCourseId! });
    expect(tail.rows).toBe(slowest.rows);
    expect(tail.transportSeconds).toBeGreaterThan(0);
    expect(tail.storeSeconds).toBeGreaterThan(0);
    expect(tail.seconds).toBeCloseTo(tail.transportSeconds + tail.storeSeconds, 9);
  }, 60_000);
});

import { afterEach, describe, expect, it } from 'vitest';
import { REALISTIC_LATENCY } from '@canvas-sync/canvas-sim';
import { simCliArgs, startSimProcess, type SimProcess } from './sim-process.js';

describe('simCliArgs', () => {
  it('puts users, latency, cache size and seed on the command line', () => {
    expect(simCliArgs({ users: [{ profile: 'student' }, { profile: 'heavy' }], latency: REALISTIC_LATENCY, contentCacheSize: 1024, seed: 7 })).toEqual([
      '--seed', '7',
      '--users', '[{"profile":"student"},{"profile":"heavy"}]',
      '--latency', JSON.stringify(REALISTIC_LATENCY),
      '--content-cache-size', '1024',
    ]);
  });

  it('refuses options the CLI cannot take instead of dropping them', () => {
    expect(() => simCliArgs({ oauthAutoApprove: true, maxPerPage: 50 })).toThrow(/oauthAutoApprove, maxPerPage cannot be set/);
  });
});

describe('startSimProcess', () => {
  let sim: SimProcess | undefined;
  afterEach(async () => sim?.close());

  it('runs the simulator in a child process and drives it over /__sim', async () => {
    sim = await startSimProcess({ users: [{ profile: 'tiny' }, { profile: 'tiny' }], latency: { baseMs: 0, perItemMs: 0 } });
    expect(sim.pid).not.toBe(process.pid);
    expect(sim.users.map((u) => u.profile)).toEqual(['tiny', 'tiny']);
    const user = sim.users[1]!;
    const token = await sim.issueToken(user.id);
    const res = await fetch(`${sim.url}/api/v1/courses?per_page=100`, { headers: { authorization: `Bearer ${token}` } });
    const courses = (await res.json()) as unknown[];
    expect(res.status).toBe(200);

    const stats = await sim.stats();
    expect(stats.byToken[token]).toMatchObject({ userId: user.id, requests: 1 });
    const counts = await sim.counts(user.id);
    expect(counts.courses).toBe(courses.length);
    const summary = await sim.summary(user.id);
    expect(counts.courses).toBe(summary.courses + summary.restrictedCourses);
    expect(counts.assignments).toBe(summary.assignments);
    expect((await sim.stats()).content.cachedCourses).toBe(summary.courses);
    await sim.resetStats();
    expect((await sim.stats()).requests).toBe(0);

    await sim.close();
    await expect(fetch(`${sim.url}/__sim/users`)).rejects.toThrow();
  }, 30_000);

  it('reports a simulator that will not start', async () => {
    await expect(startSimProcess({ users: [{ profile: 'tiny', courses: -1 }] })).rejects.toThrow(/exited \(1\) before it listened/);
  }, 30_000);
});

import { afterEach, describe, expect, it } from 'vitest';
import type { CanvasSim } from '../src/index.js';
import { firstRealCourse, get, startQuietSim, type Row } from './helpers.js';

/** The `/__sim` control surface: everything the programmatic API does, over HTTP, without auth. */
describe('control API over HTTP', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
  };

  it('lists users and exports ground truth equal to the programmatic one', async () => {
    sim = await startQuietSim({ users: [{ profile: 'tiny' }, { profile: 'tiny', role: 'teacher' }] });
    const users = await call('GET', '/__sim/users');
    expect(users.json).toEqual(sim.users);
    const truth = await call('GET', `/__sim/ground-truth/${sim.users[0]!.id}`);
    expect(truth.json).toEqual(sim.groundTruth(sim.users[0]!.id));
    expect((await call('GET', '/__sim/ground-truth/1')).status).toBe(404);
    const course = firstRealCourse(sim, sim.users[0]!.id)['id'] as number;
    expect((await call('GET', `/__sim/ground-truth/${sim.users[0]!.id}/courses/${course}`)).json).toEqual(sim.groundTruthCourse(sim.users[0]!.id, course));
    expect((await call('GET', `/__sim/summary/${sim.users[0]!.id}`)).json).toEqual(sim.summary(sim.users[0]!.id));
  });

  it('counts the ground truth without sending it, generating every course first', async () => {
    sim = await startQuietSim({ users: [{ profile: 'student' }] });
    const user = sim.users[0]!.id;
    expect(sim.stats().content.cachedCourses).toBe(0);
    const counts = await call('GET', `/__sim/counts/${user}`);
    const truth = sim.groundTruth(user);
    expect(counts.json).toEqual({ courses: truth.courses.length, terms: truth.terms.length, assignmentGroups: truth.assignmentGroups.length, assignments: truth.assignments.length, submissions: truth.submissions.length });
    expect(sim.stats().content.cachedCourses).toBe(sim.summary(user).courses);
    expect((await call('GET', '/__sim/counts/1')).status).toBe(404);
  });

  it('mutates, and refuses a bad mutation with 400 {error}', async () => {
    sim = await startQuietSim();
    const user = sim.users[0]!;
    const course = firstRealCourse(sim, user.id)['id'] as number;
    const added = await call('POST', '/__sim/mutate', { op: 'addAssignment', courseId: course, name: 'Via HTTP' });
    expect(added.status).toBe(200);
    const result = (added.json as { result: Row }).result;
    expect(sim.groundTruth(user.id).assignments).toContainEqual(result);
    const bad = await call('POST', '/__sim/mutate', { op: 'editAssignment', assignmentId: 1, changes: {} });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: expect.stringContaining('no assignment 1') });
  });

  it('sets, reads and clears faults', async () => {
    sim = await startQuietSim();
    const { token } = sim.users[0]!;
    const set = await call('PUT', '/__sim/faults', { serverErrorRate: 1, serverErrorStatuses: [503] });
    expect(set.json).toEqual({ serverErrorRate: 1, serverErrorStatuses: [503] });
    expect((await get(sim, '/api/v1/users/self', token)).status).toBe(503);
    expect((await call('PUT', '/__sim/faults', { nonsense: true })).status).toBe(400);
    expect((await call('DELETE', '/__sim/faults')).status).toBe(204);
    expect((await get(sim, '/api/v1/users/self', token)).status).toBe(200);
  });

  it('reads and resets stats; control calls are not counted as Canvas requests', async () => {
    sim = await startQuietSim();
    await get(sim, '/api/v1/courses', sim.users[0]!.token);
    const stats = (await call('GET', '/__sim/stats')).json as { requests: number; byEndpoint: Record<string, number> };
    expect(stats.requests).toBe(1);
    expect(stats.byEndpoint).toEqual({ 'GET /api/v1/courses': 1 });
    expect((await call('POST', '/__sim/stats/reset')).status).toBe(204);
    expect(((await call('GET', '/__sim/stats')).json as { requests: number }).requests).toBe(0);
  });

  it('revokes, expires and re-issues tokens', async () => {
    sim = await startQuietSim();
    const user = sim.users[0]!;
    expect((await call('POST', `/__sim/users/${user.id}/revoke`)).status).toBe(204);
    expect((await get(sim, '/api/v1/users/self', user.token)).status).toBe(401);
    const issued = (await call('POST', `/__sim/users/${user.id}/token`)).json as { token: string };
    expect((await get(sim, '/api/v1/users/self', issued.token)).status).toBe(200);
    expect((await call('POST', `/__sim/users/${user.id}/expire`)).status).toBe(204);
    const expired = await get(sim, '/api/v1/users/self', issued.token);
    expect(JSON.parse(expired.text)).toMatchObject({ errors: [{ message: 'Expired access token.' }] });
    expect((await call('POST', '/__sim/users/12345/token')).status).toBe(404);
  });
});

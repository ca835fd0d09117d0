import { afterEach, describe, expect, it } from 'vitest';
import type { CanvasSim } from '../src/index.js';
import { firstRealCourse, get, getJson, startQuietSim, type Row } from './helpers.js';

const WWW = 'Bearer realm="canvas-lms"';
const PERMISSION = { status: 'unauthorized', errors: [{ message: 'user not authorized to perform that action' }] };
const NOT_FOUND = { errors: [{ message: 'The specified resource does not exist.' }] };

/** CANVAS.md simulator points 5, 6 (404) and 7 (users/self): auth and error bodies. */
describe('auth and error answers', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());

  it('answers users/self with the caller', async () => {
    sim = await startQuietSim({ users: [{ profile: 'tiny', name: 'Ada Lovelace' }] });
    const user = sim.users[0]!;
    const { answer, body } = await getJson<Row>(sim, '/api/v1/users/self', user.token);
    expect(answer.status).toBe(200);
    expect(body).toMatchObject({ id: user.id, name: 'Ada Lovelace', sortable_name: 'Lovelace, Ada', short_name: 'Ada Lovelace' });
  });

  it('401s without credentials, with WWW-Authenticate and the unauthenticated body', async () => {
    sim = await startQuietSim();
    const answer = await get(sim, '/api/v1/courses', null);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(WWW);
    expect(JSON.parse(answer.text)).toEqual({ status: 'unauthenticated', errors: [{ message: 'user authorization required' }] });
  });

  it('401s an unknown token as invalid', async () => {
    sim = await startQuietSim();
    const answer = await get(sim, '/api/v1/users/self', '7~nope');
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(WWW);
    expect(JSON.parse(answer.text)).toEqual({ errors: [{ message: 'Invalid access token.' }] });
  });

  it('401s a revoked token, and a freshly issued one works', async () => {
    sim = await startQuietSim();
    const user = sim.users[0]!;
    sim.revokeToken(user.id);
    const answer = await get(sim, '/api/v1/users/self', user.token);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(WWW);
    expect(JSON.parse(answer.text)).toEqual({ errors: [{ message: 'Revoked access token.' }] });
    const fresh = sim.issueToken(user.id);
    expect(fresh).not.toBe(user.token);
    expect(sim.users[0]!.token).toBe(fresh);
    expect((await get(sim, '/api/v1/users/self', fresh)).status).toBe(200);
  });

  it('401s an expired token with expired_at', async () => {
    sim = await startQuietSim();
    const user = sim.users[0]!;
    sim.expireToken(user.id);
    const answer = await get(sim, '/api/v1/users/self', user.token);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(WWW);
    const body = JSON.parse(answer.text) as { errors: unknown; expired_at: string };
    expect(body.errors).toEqual([{ message: 'Expired access token.' }]);
    expect(body.expired_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('accepts the access_token query parameter', async () => {
    sim = await startQuietSim();
    const answer = await get(sim, `/api/v1/users/self?access_token=${sim.users[0]!.token}`, null);
    expect(answer.status).toBe(200);
  });

  it('refuses terms to students and teachers with a JSON permission 403 (not a throttle)', async () => {
    sim = await startQuietSim({ users: [{ profile: 'tiny' }, { profile: 'tiny', role: 'teacher' }] });
    for (const user of sim.users) {
      const answer = await get(sim, '/api/v1/accounts/1/terms', user.token);
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.headers['www-authenticate']).toBeUndefined();
      expect(JSON.parse(answer.text)).toEqual(PERMISSION);
      expect(answer.text).not.toContain('Rate Limit Exceeded');
    }
  });

  it('wraps terms as {enrollment_terms} for an account admin, the Default Term with null dates', async () => {
    sim = await startQuietSim({ users: [{ profile: 'tiny', accountAdmin: true }] });
    const { body } = await getJson<{ enrollment_terms: Row[] }>(sim, '/api/v1/accounts/self/terms?per_page=100', sim.users[0]!.token);
    const defaultTerm = body.enrollment_terms.find((t) => t['name'] === 'Default Term');
    expect(defaultTerm).toMatchObject({ start_at: null, end_at: null, workflow_state: 'active' });
    expect((await get(sim, '/api/v1/accounts/999/terms', sim.users[0]!.token)).status).toBe(404);
  });

  it('404s unknown, foreign and deleted courses, and unknown API paths', async () => {
    sim = await startQuietSim({ users: [{ profile: 'tiny' }, { profile: 'tiny' }] });
    const [alice, bob] = sim.users as [typeof sim.users[0], typeof sim.users[0]];
    const bobsCourse = firstRealCourse(sim, bob.id)['id'] as number;
    const alicesCourse = firstRealCourse(sim, alice.id)['id'] as number;
    sim.mutate({ op: 'deleteCourse', courseId: alicesCourse });
    for (const path of [
      '/api/v1/courses/99999999',
      '/api/v1/courses/abc/assignments',
      `/api/v1/courses/${bobsCourse}`,
      `/api/v1/courses/${bobsCourse}/assignment_groups`,
      `/api/v1/courses/${alicesCourse}`,
      `/api/v1/courses/${alicesCourse}/assignments`,
      '/api/v1/no/such/thing',
    ]) {
      const answer = await get(sim, path, alice.token);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(JSON.parse(answer.text)).toEqual(NOT_FOUND);
    }
  });

  it('serves a date-restricted course as its stub and refuses what lies below it with 403', async () => {
    sim = await startQuietSim({ users: [{ profile: 'tiny', restrictedCourses: 1 }] });
    const user = sim.users[0]!;
    const stub = (sim.groundTruth(user.id).courses as Row[]).find((c) => c['access_restricted_by_date'] === true)!;
    expect(Object.keys(stub)).toEqual(['id', 'access_restricted_by_date']);
    const shown = await getJson(sim, `/api/v1/courses/${String(stub['id'])}?include[]=term`, user.token);
    expect(shown.body).toEqual(stub);
    for (const below of ['assignment_groups?include[]=assignments', 'assignments', 'students/submissions?student_ids[]=self']) {
      const answer = await get(sim, `/api/v1/courses/${String(stub['id'])}/${below}`, user.token);
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.text)).toEqual(PERMISSION);
    }
  });
});

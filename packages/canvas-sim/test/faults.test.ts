import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { CanvasSim } from '../src/index.js';
import { firstRealCourse, get, startQuietSim } from './helpers.js';

/** CANVAS.md simulator point 6 (500/502/503, hangs) and the fault catalogue of the issue. */
describe('fault injection', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());

  it('answers 500 with error_report_id, keeping the rate headers', async () => {
    sim = await startQuietSim();
    sim.setFaults({ serverErrorRate: 1, serverErrorStatuses: [500] });
    const answer = await get(sim, '/api/v1/courses', sim.users[0]!.token);
    expect(answer.status).toBe(500);
    const body = JSON.parse(answer.text) as { errors: unknown; error_report_id: unknown };
    expect(body.errors).toEqual([{ message: 'An error occurred.', error_code: 'internal_server_error' }]);
    expect(Number.isInteger(body.error_report_id)).toBe(true);
    expect(answer.headers['x-rate-limit-remaining']).toBeDefined();
  });

  it('answers 502/503 from the proxy with an empty or HTML body and no rate headers', async () => {
    sim = await startQuietSim();
    sim.setFaults({ serverErrorRate: 1, serverErrorStatuses: [502, 503] });
    const answers = await Promise.all(Array.from({ length: 16 }, () => get(sim, '/api/v1/courses', sim.users[0]!.token)));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([502, 503]));
    for (const answer of answers) {
      if (answer.text === '') expect(answer.headers['content-type']).toBeUndefined();
      else expect(answer.headers['content-type']).toBe('text/html');
      expect(answer.headers['x-rate-limit-remaining']).toBeUndefined();
    }
    expect(answers.some((a) => a.text === '')).toBe(true);
    expect(answers.some((a) => a.text.startsWith('<html>'))).toBe(true);
  });

  it('draws faults from the seed: the same requests meet the same faults', async () => {
    const run = async (): Promise<number[]> => {
      const s = await startQuietSim({ seed: 7 });
      s.setFaults({ serverErrorRate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await get(s, '/api/v1/users/self', s.users[0]!.token)).status);
      await s.close();
      return statuses;
    };
    const first = await run();
    expect(first.some((s) => s === 200)).toBe(true);
    expect(first.some((s) => s >= 500)).toBe(true);
    expect(await run()).toEqual(first);
  });

  it('hangs without ever answering until the client gives up', async () => {
    sim = await startQuietSim();
    sim.setFaults({ hangRate: 1 });
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(`${sim.url}/api/v1/courses`, { headers: { Authorization: `Bearer ${sim.users[0]!.token}` }, agent: false }, () => resolve('answered'));
      req.setTimeout(500, () => {
        req.destroy();
        resolve('timed out');
      });
      req.on('error', () => undefined);
      req.end();
    });
    expect(outcome).toBe('timed out');
    expect(sim.stats().faults['hang']).toBe(1);
  });

  it('answers a hung request after hangMs when given, and slows pages by slowMs', async () => {
    sim = await startQuietSim();
    sim.setFaults({ hangRate: 1, hangMs: 300 });
    let started = Date.now();
    expect((await get(sim, '/api/v1/users/self', sim.users[0]!.token)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    sim.clearFaults();
    sim.setFaults({ slowRate: 1, slowMs: 300 });
    started = Date.now();
    expect((await get(sim, '/api/v1/users/self', sim.users[0]!.token)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(sim.stats().faults['slow']).toBe(1);
  });

  it('closes cleanly while a request hangs', async () => {
    sim = await startQuietSim();
    sim.setFaults({ hangRate: 1 });
    const pending = get(sim, '/api/v1/courses', sim.users[0]!.token).then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((r) => setTimeout(r, 100));
    await sim.close();
    expect(await pending).toBe('dropped');
  });

  it('cuts JSON bodies short at malformedJsonRate', async () => {
    sim = await startQuietSim();
    sim.setFaults({ malformedJsonRate: 1 });
    const answer = await get(sim, '/api/v1/courses?include[]=term', sim.users[0]!.token);
    expect(answer.status).toBe(200);
    expect(() => JSON.parse(answer.text) as unknown).toThrow();
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.text));
  });

  it('answers every request 503 during an outage, then recovers', async () => {
    sim = await startQuietSim();
    const { token } = sim.users[0]!;
    sim.setFaults({ outageSeconds: 60 });
    const during = await Promise.all([get(sim, '/api/v1/users/self', token), get(sim, '/api/v1/courses', null)]);
    expect(during.map((a) => a.status)).toEqual([503, 503]);
    sim.setFaults({ outageSeconds: 0 });
    expect((await get(sim, '/api/v1/users/self', token)).status).toBe(200);
    sim.setFaults({ outageSeconds: 1.5 });
    expect((await get(sim, '/api/v1/users/self', token)).status).toBe(503);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await get(sim, '/api/v1/users/self', token)).status).toBe(200);
  });

  it('revokes a token at its K-th request', async () => {
    sim = await startQuietSim();
    const user = sim.users[0]!;
    sim.setFaults({ perToken: { [String(user.id)]: { revokeAtRequest: 3 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(sim, '/api/v1/users/self', user.token)).status);
    expect(statuses).toEqual([200, 200, 401, 401]);
    const last = await get(sim, '/api/v1/users/self', user.token);
    expect(JSON.parse(last.text)).toEqual({ errors: [{ message: 'Revoked access token.' }] });
    expect((await get(sim, '/api/v1/users/self', sim.issueToken(user.id))).status).toBe(200);
  });

  it('refuses chosen courses with permission 403 or 404', async () => {
    sim = await startQuietSim({ users: [{ profile: 'tiny', courses: 2, restrictedCourses: 0 }] });
    const user = sim.users[0]!;
    const [a, b] = (sim.groundTruth(user.id).courses as Array<{ id: number }>).map((c) => c.id) as [number, number];
    sim.setFaults({ forbiddenCourseIds: [a], notFoundCourseIds: [b] });
    const forbidden = await get(sim, `/api/v1/courses/${a}/assignment_groups?include[]=assignments`, user.token);
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.text)).toEqual({ status: 'unauthorized', errors: [{ message: 'user not authorized to perform that action' }] });
    expect((await get(sim, `/api/v1/courses/${b}/assignments`, user.token)).status).toBe(404);
    expect((await get(sim, '/api/v1/courses', user.token)).status).toBe(200);
  });

  it('scopes faults to a token: other users are unaffected; fields merge and null removes one', async () => {
    sim = await startQuietSim({ users: [{ profile: 'tiny' }, { profile: 'tiny' }] });
    const [alice, bob] = sim.users as [typeof sim.users[0], typeof sim.users[0]];
    sim.setFaults({ perToken: { [alice.token]: { serverErrorRate: 1, serverErrorStatuses: [500] } } });
    expect((await get(sim, '/api/v1/users/self', alice.token)).status).toBe(500);
    expect((await get(sim, '/api/v1/users/self', bob.token)).status).toBe(200);
    sim.setFaults({ perToken: { [alice.token]: { serverErrorRate: null as unknown as number } } });
    expect((await get(sim, '/api/v1/users/self', alice.token)).status).toBe(200);
    expect(() => sim.setFaults({ bogus: 1 } as never)).toThrow(/unknown fault/);
  });

  it('keeps firstRealCourse reachable when no fault applies', async () => {
    sim = await startQuietSim();
    const user = sim.users[0]!;
    const id = firstRealCourse(sim, user.id)['id'] as number;
    expect((await get(sim, `/api/v1/courses/${id}`, user.token)).status).toBe(200);
    expect(sim.stats().faults).toEqual({});
  });
});

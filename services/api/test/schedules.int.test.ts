import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toScheduleConfig, scheduleEnvSchema } from '../src/schedules/schedule.config.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

/** `PUT/GET/DELETE /api/v1/schedule` through the real routes and Postgres (the scheduler is tested in test/e2e). */
describe('schedule api', () => {
  let h: ApiHarness;
  let withDefault: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
    withDefault = await startApiHarness({ schedule: toScheduleConfig(scheduleEnvSchema.parse({ SYNC_SCHEDULE_DEFAULT_MINUTES: '360' })) });
  });
  afterAll(async () => {
    await h.close();
    await withDefault.close();
  });

  const call = async (app: ApiHarness, userId: string, method: 'GET' | 'PUT' | 'DELETE', payload?: object) =>
    app.app.inject({ method, url: '/api/v1/schedule', headers: await app.auth(userId), ...(payload ? { payload } : {}) });
  const connect = async (app: ApiHarness, userId: string) => {
    const res = await app.app.inject({ method: 'PUT', url: '/api/v1/canvas/connection', headers: await app.auth(userId), payload: { baseUrl: 'http://127.0.0.1:9', accessToken: 'tok' } });
    expect(res.statusCode).toBe(204);
  };

  it('is {enabled:false} when none; PUT sets it (first due now for a user who never synced); DELETE turns it off', async () => {
    expect((await call(h, 'sched-a', 'GET')).json()).toEqual({ enabled: false });
    const before = Date.now();
    const put = await call(h, 'sched-a', 'PUT', { intervalMinutes: 60 });
    expect(put.statusCode).toBe(200);
    const body = put.json();
    expect(body).toMatchObject({ enabled: true, intervalMinutes: 60, mode: 'incremental', scope: { type: 'all' }, lastRunAt: null, source: 'user' });
    expect(Math.abs(Date.parse(body.nextRunAt) - before)).toBeLessThan(60_000);
    expect((await call(h, 'sched-a', 'GET')).json()).toEqual(body);
    const full = await call(h, 'sched-a', 'PUT', { intervalMinutes: 1440, mode: 'full', scope: { type: 'course', courseId: 7 } });
    expect(full.json()).toMatchObject({ enabled: true, intervalMinutes: 1440, mode: 'full', scope: { type: 'course', courseId: 7 } });
    const del = await call(h, 'sched-a', 'DELETE');
    expect(del.statusCode).toBe(204);
    expect((await call(h, 'sched-a', 'GET')).json()).toEqual({ enabled: false });
    // Another user's schedule is theirs alone.
    expect((await call(h, 'sched-b', 'GET')).json()).toEqual({ enabled: false });
  });

  it('a new schedule is first due one interval after the last sync', async () => {
    await connect(h, 'sched-c');
    const start = await h.app.inject({ method: 'POST', url: '/api/v1/syncs', headers: await h.auth('sched-c'), payload: { scope: { type: 'all' }, mode: 'full' } });
    expect(start.statusCode).toBe(202);
    const sync = await h.database.db.selectFrom('syncs').select(['created_at', 'trigger']).where('id', '=', start.json().id).executeTakeFirstOrThrow();
    expect(sync.trigger).toBe('user');
    const put = (await call(h, 'sched-c', 'PUT', { intervalMinutes: 120 })).json();
    expect(Date.parse(put.nextRunAt) - new Date(sync.created_at).getTime()).toBe(120 * 60_000);
    const view = (await h.app.inject({ method: 'GET', url: `/api/v1/syncs/${start.json().id}`, headers: await h.auth('sched-c') })).json();
    expect(view.trigger).toBe('user');
  });

  it('refuses bad input with validation_failed naming the field, never a 500', async () => {
    for (const payload of [{}, { intervalMinutes: 14 }, { intervalMinutes: 10_081 }, { intervalMinutes: 30.5 }, { intervalMinutes: '60' }, { intervalMinutes: 60, mode: 'fast' }, { intervalMinutes: 60, scope: { type: 'term' } }, { intervalMinutes: 60, extra: 1 }]) {
      const res = await call(h, 'sched-d', 'PUT', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    const res = await h.app.inject({ method: 'PUT', url: '/api/v1/schedule', payload: { intervalMinutes: 60 } });
    expect(res.statusCode).toBe(401);
    expect((await call(h, 'sched-d', 'GET')).json()).toEqual({ enabled: false });
  });

  it('the deployment default shows for a connected user until they set their own or turn it off, and an off stays off', async () => {
    expect((await call(withDefault, 'dflt-1', 'GET')).json()).toEqual({ enabled: false });
    await connect(withDefault, 'dflt-1');
    expect((await call(withDefault, 'dflt-1', 'GET')).json()).toMatchObject({ enabled: true, intervalMinutes: 360, mode: 'incremental', source: 'default' });
    expect((await call(withDefault, 'dflt-1', 'PUT', { intervalMinutes: 30 })).json()).toMatchObject({ intervalMinutes: 30, source: 'user' });
    expect((await call(withDefault, 'dflt-1', 'DELETE')).statusCode).toBe(204);
    expect((await call(withDefault, 'dflt-1', 'GET')).json()).toEqual({ enabled: false });
  });

  it('appears in /openapi.json with its bounds', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths['/api/v1/schedule'])).toEqual(expect.arrayContaining(['put', 'get', 'delete']));
    expect(JSON.stringify(doc.components.schemas.PutSchedule)).toContain('10080');
    expect(JSON.stringify(doc.components.schemas.SyncView ?? doc)).toContain('trigger');
  });
});

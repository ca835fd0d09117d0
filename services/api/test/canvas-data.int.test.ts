import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

describe('synced terms and courses for scope pickers', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
    const db = h.database.db;
    const term = (user_id: string, id: number, name: string, start: string | null, deleted = false) => ({
      user_id, id, name, raw: JSON.stringify({ id, name }), content_hash: 'h', start_at: start, end_at: null, workflow_state: 'active', deleted_at: deleted ? new Date() : null,
    });
    await db.insertInto('canvas.terms').values([
      term('u1', 1, 'Default Term', null),
      term('u1', 2, 'Fall 2026', '2026-09-01T00:00:00Z'),
      term('u1', 3, 'Spring 2027', '2027-01-15T00:00:00Z'),
      term('u1', 4, 'Gone Term', '2025-01-01T00:00:00Z', true),
      term('u2', 5, 'Other user term', '2026-09-01T00:00:00Z'),
    ] as never).execute();
    const course = (user_id: string, id: number, name: string, term_id: number, deleted = false) => ({
      user_id, id, name, course_code: name.slice(0, 4), term_id, raw: JSON.stringify({ id, name }), content_hash: 'h', workflow_state: 'available', deleted_at: deleted ? new Date() : null,
    });
    await db.insertInto('canvas.courses').values([
      course('u1', 10, 'Biology', 2),
      course('u1', 11, 'Algebra', 2),
      course('u1', 12, 'Chemistry', 3),
      course('u1', 13, 'Deleted course', 2, true),
      course('u2', 14, 'Not yours', 2),
    ] as never).execute();
  });
  afterAll(async () => h.close());

  const get = async (userId: string, url: string) => h.app.inject({ method: 'GET', url, headers: await h.auth(userId) });

  it("lists the user's terms, newest first, without deleted ones or other users'", async () => {
    const res = await get('u1', '/api/v1/canvas/terms');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.truncated).toBe(false);
    expect(body.items.map((t: { id: number }) => t.id)).toEqual([3, 2, 1]);
    expect(body.items[0]).toEqual({ id: 3, name: 'Spring 2027', startAt: '2027-01-15T00:00:00.000Z', endAt: null, workflowState: 'active' });
  });

  it("lists the user's courses by name, optionally of one term", async () => {
    const all = (await get('u1', '/api/v1/canvas/courses')).json();
    expect(all.items.map((c: { name: string }) => c.name)).toEqual(['Algebra', 'Biology', 'Chemistry']);
    expect(all.items[0]).toMatchObject({ id: 11, courseCode: 'Alge', termId: 2, accessRestricted: false });
    const fall = (await get('u1', '/api/v1/canvas/courses?termId=2')).json();
    expect(fall.items.map((c: { id: number }) => c.id)).toEqual([11, 10]);
    const none = (await get('u1', '/api/v1/canvas/courses?termId=999')).json();
    expect(none.items).toEqual([]);
  });

  it('another user sees only their own rows', async () => {
    expect((await get('u2', '/api/v1/canvas/courses')).json().items.map((c: { id: number }) => c.id)).toEqual([14]);
    expect((await get('u3', '/api/v1/canvas/terms')).json()).toEqual({ items: [], truncated: false });
  });
});

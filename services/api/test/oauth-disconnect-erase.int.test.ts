import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnectionTokens } from '@canvas-sync/shared';
import type { ApiHarness } from './support/api-harness.js';
import { startFakeOAuthCanvas, type FakeOAuthCanvas } from './support/fake-oauth-canvas.js';
import { connectWithCanvas, startOAuthApi } from './support/oauth-harness.js';

const CANVAS_TABLES = ['canvas.terms', 'canvas.courses', 'canvas.assignment_groups', 'canvas.assignments', 'canvas.submissions'] as const;

describe('disconnect, test connection and erase for OAuth connections', () => {
  let canvas: FakeOAuthCanvas;
  let h: ApiHarness;
  beforeAll(async () => {
    canvas = await startFakeOAuthCanvas();
    h = await startOAuthApi(canvas);
  });
  afterAll(async () => {
    await h?.close();
    await canvas?.close();
  });

  const db = () => h.database.db;
  const connection = (userId: string) => db().selectFrom('connections').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
  const insertSync = async (userId: string, status: string) => {
    const conn = await connection(userId);
    const id = randomUUID();
    await db()
      .insertInto('syncs')
      .values({ id, user_id: userId, connection_id: conn.id, status, phase: status === 'running' ? 'fetching' : 'done', scope: JSON.stringify({ type: 'all' }), mode: 'full', chunk_size: 10, message: 'x' })
      .execute();
    return id;
  };
  const seedData = async (userId: string) => {
    const common = (id: number) => ({ user_id: userId, id, raw: JSON.stringify({ id }), content_hash: 'h' });
    await db().insertInto('canvas.terms').values(common(1)).execute();
    await db().insertInto('canvas.courses').values(common(10)).execute();
    await db().insertInto('canvas.assignment_groups').values({ ...common(20), course_id: 10 }).execute();
    await db().insertInto('canvas.assignments').values({ ...common(30), course_id: 10 }).execute();
    await db().insertInto('canvas.submissions').values({ ...common(40), course_id: 10, assignment_id: 30 }).execute();
    const syncId = await insertSync(userId, 'completed');
    await db().insertInto('sync_units').values({ sync_id: syncId, unit_key: 'courses', state: 'done' } as never).execute();
    await db().insertInto('sync_unit_parts').values({ sync_id: syncId, unit_key: 'courses', fetch_id: randomUUID(), part: 0, final: true } as never).execute();
  };
  const countRows = async (userId: string) => {
    const counts: Record<string, number> = {};
    for (const table of CANVAS_TABLES) counts[table] = (await db().selectFrom(table).select('id').where('user_id', '=', userId).execute()).length;
    const syncIds = (await db().selectFrom('syncs').select('id').where('user_id', '=', userId).execute()).map((s) => s.id);
    counts.syncs = syncIds.length;
    counts.sync_units = syncIds.length ? (await db().selectFrom('sync_units').select('sync_id').where('sync_id', 'in', syncIds).execute()).length : 0;
    counts.sync_unit_parts = syncIds.length ? (await db().selectFrom('sync_unit_parts').select('sync_id').where('sync_id', 'in', syncIds).execute()).length : 0;
    return counts;
  };
  const call = async (method: 'DELETE' | 'POST' | 'GET', url: string, userId: string) => h.app.inject({ method, url, headers: await h.auth(userId) });

  it('disconnect cancels the active sync, revokes the grant at Canvas and forgets every token, keeping the row', async () => {
    await connectWithCanvas(h, canvas, 'u-leave');
    const before = await connection('u-leave');
    const accessToken = openConnectionTokens(h.cipher, before)!.accessToken;
    const syncId = await insertSync('u-leave', 'running');
    const res = await call('DELETE', '/api/v1/canvas/connection', 'u-leave');
    expect(res.statusCode, res.body).toBe(204);
    expect(canvas.revocations).toEqual([accessToken]);
    const after = await connection('u-leave');
    expect(after.id).toBe(before.id);
    expect(after).toMatchObject({ token_ciphertext: null, token_key_id: null, refresh_ciphertext: null, refresh_key_id: null, access_expires_at: null });
    expect((await db().selectFrom('syncs').select('status').where('id', '=', syncId).executeTakeFirstOrThrow()).status).toBe('cancelled');
    expect((await call('GET', '/api/v1/canvas/connection', 'u-leave')).json()).toMatchObject({ connected: false, authType: 'oauth' });
    // Again: nothing left to forget or revoke, still 204.
    expect((await call('DELETE', '/api/v1/canvas/connection', 'u-leave')).statusCode).toBe(204);
    expect(canvas.revocations).toHaveLength(1);
    expect((await call('POST', '/api/v1/canvas/connection/test', 'u-leave')).json().error.code).toBe('no_connection');
  });

  it('test connection renews an expired access token once, and a revoked grant asks for reconnecting', async () => {
    await connectWithCanvas(h, canvas, 'u-test');
    const first = await connection('u-test');
    const ok = await call('POST', '/api/v1/canvas/connection/test', 'u-test');
    expect(ok.json()).toEqual({ ok: true, user: { id: 42, name: 'Ada Lovelace' } });

    // Canvas says the token is dead (401 + WWW-Authenticate): renewed once, then it works.
    canvas.expire(openConnectionTokens(h.cipher, first)!.accessToken);
    const refreshesBefore = canvas.grants.refresh_token;
    expect((await call('POST', '/api/v1/canvas/connection/test', 'u-test')).json()).toMatchObject({ ok: true });
    expect(canvas.grants.refresh_token).toBe(refreshesBefore + 1);
    const renewed = await connection('u-test');
    expect(renewed.token_version).toBe(first.token_version + 1);
    expect(openConnectionTokens(h.cipher, renewed)!.refreshToken).toBe(openConnectionTokens(h.cipher, first)!.refreshToken);

    // Our clock says it expired: renewed before calling Canvas.
    await db().updateTable('connections').set({ access_expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', 'u-test').execute();
    expect((await call('POST', '/api/v1/canvas/connection/test', 'u-test')).json()).toMatchObject({ ok: true });
    expect(canvas.grants.refresh_token).toBe(refreshesBefore + 2);

    canvas.revokeGrant(openConnectionTokens(h.cipher, first)!.refreshToken!);
    const refused = await call('POST', '/api/v1/canvas/connection/test', 'u-test');
    expect(refused.json()).toMatchObject({ ok: false, error: { code: 'invalid_token' } });
    expect((await connection('u-test')).status).toBe('reauth_required');
    expect((await call('GET', '/api/v1/canvas/connection', 'u-test')).json()).toMatchObject({ connected: true, authType: 'oauth', status: 'reauth_required' });

    // Reconnecting clears it.
    await connectWithCanvas(h, canvas, 'u-test');
    expect((await connection('u-test')).status).toBe('ok');
  });

  it("erase removes the user's synced rows, checkpoints and history, and no one else's", async () => {
    await connectWithCanvas(h, canvas, 'u-erase');
    await connectWithCanvas(h, canvas, 'u-keep');
    await seedData('u-erase');
    await seedData('u-keep');
    const kept = await countRows('u-keep');
    expect(Object.values(kept).every((n) => n >= 1)).toBe(true);

    const active = await insertSync('u-erase', 'queued');
    const refused = await call('DELETE', '/api/v1/canvas/data', 'u-erase');
    expect([refused.statusCode, refused.json().error.code, refused.json().syncId]).toEqual([409, 'sync_in_progress', active]);
    expect((await countRows('u-erase')).syncs).toBe(2);
    await db().updateTable('syncs').set({ status: 'cancelled' }).where('id', '=', active).execute();

    const res = await call('DELETE', '/api/v1/canvas/data', 'u-erase');
    expect(res.statusCode, res.body).toBe(204);
    expect(Object.values(await countRows('u-erase')).every((n) => n === 0)).toBe(true);
    expect(await countRows('u-keep')).toEqual(kept);
    // The connection itself stays: erase is about data, disconnect about tokens.
    expect((await connection('u-erase')).token_ciphertext).not.toBeNull();
  });

  it('CORS allows DELETE for the configured origin', async () => {
    const res = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/canvas/data',
      headers: { origin: 'https://app.example.edu', 'access-control-request-method': 'DELETE' },
    });
    expect(res.headers['access-control-allow-methods']).toContain('DELETE');
  });

  it('lists the new routes in /openapi.json', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths['/api/v1/canvas/oauth/start'])).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/v1/canvas/oauth/callback'])).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/canvas/connection'])).toEqual(expect.arrayContaining(['get', 'put', 'delete']));
    expect(Object.keys(doc.paths['/api/v1/canvas/data'])).toEqual(['delete']);
  });
});

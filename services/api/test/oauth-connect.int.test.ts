import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnectionTokens } from '@canvas-sync/shared';
import type { ApiHarness } from './support/api-harness.js';
import { startFakeOAuthCanvas, type FakeOAuthCanvas } from './support/fake-oauth-canvas.js';
import { APP_ORIGIN, authorizeParams, callback, connectWithCanvas, PUBLIC_URL, startAuthorization, startOAuthApi, storedState } from './support/oauth-harness.js';

describe('Connect with Canvas (OAuth2)', () => {
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

  it('sends the browser to Canvas with our key and redirect URI, and stores only the hash of the state', async () => {
    const res = await startAuthorization(h, 'u-start', { baseUrl: `${canvas.url}/courses/1`, returnTo: '/panel?tab=canvas' });
    expect(res.statusCode, res.body).toBe(200);
    const authorize = new URL(res.json().authorizeUrl);
    expect(authorize.origin).toBe(canvas.url);
    const { state, redirectUri, clientId } = authorizeParams(authorize.href);
    expect(clientId).toBe(canvas.client.clientId);
    expect(redirectUri).toBe(`${PUBLIC_URL}/api/v1/canvas/oauth/callback`);
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await h.database.db.selectFrom('oauth_states').selectAll().where('user_id', '=', 'u-start').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ base_url: canvas.url, return_to: '/panel?tab=canvas' });
    expect(JSON.stringify(rows)).not.toContain(state);
    const ttl = new Date(rows[0]!.expires_at).getTime() - new Date(rows[0]!.created_at).getTime();
    expect(ttl).toBeGreaterThan(9 * 60_000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000 + 5_000);
  });

  it('connects: the code is exchanged, tokens stored encrypted, and the browser goes back to returnTo', async () => {
    const res = await connectWithCanvas(h, canvas, 'u-ok', `${APP_ORIGIN}/settings#canvas`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${APP_ORIGIN}/settings?canvas=connected#canvas`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const row = await h.database.db.selectFrom('connections').selectAll().where('user_id', '=', 'u-ok').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ auth_type: 'oauth', status: 'ok', base_url: canvas.url, token_version: 1, canvas_user: { id: 42, name: 'Ada Lovelace' } });
    expect(new Date(row.access_expires_at!).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const tokens = openConnectionTokens(h.cipher, row)!;
    expect(tokens.accessToken).toMatch(/^access~/);
    expect(tokens.refreshToken).toMatch(/^refresh~/);
    for (const secret of canvas.secrets()) expect(JSON.stringify(row)).not.toContain(secret);
    const view = await h.app.inject({ method: 'GET', url: '/api/v1/canvas/connection', headers: await h.auth('u-ok') });
    expect(view.json()).toEqual({ baseUrl: canvas.url, connected: true, canvasUser: { id: 42, name: 'Ada Lovelace' }, authType: 'oauth', status: 'ok' });

    // Reconnecting keeps the row (syncs point at it) and bumps the token version.
    const again = await connectWithCanvas(h, canvas, 'u-ok');
    expect(again.headers.location).toBe('/?canvas=connected');
    const after = await h.database.db.selectFrom('connections').selectAll().where('user_id', '=', 'u-ok').executeTakeFirstOrThrow();
    expect(after.id).toBe(row.id);
    expect(after.token_version).toBe(2);
  });

  it('refuses a replayed, forged, expired or missing state with state_invalid, storing nothing', async () => {
    const started = await startAuthorization(h, 'u-replay', { baseUrl: canvas.url, returnTo: '/x' });
    const { state, redirectUri } = authorizeParams(started.json().authorizeUrl);
    expect((await callback(h, { code: canvas.issueCode(redirectUri), state })).headers.location).toBe('/x?canvas=connected');
    const before = await storedState(h);
    const replay = await callback(h, { code: canvas.issueCode(redirectUri), state });
    expect(replay.statusCode).toBe(303);
    expect(replay.headers.location).toBe('/?canvas=error&code=state_invalid');
    const forged = await callback(h, { code: canvas.issueCode(redirectUri), state: 'A'.repeat(43) });
    expect(forged.headers.location).toBe('/?canvas=error&code=state_invalid');
    expect((await callback(h, { code: canvas.issueCode(redirectUri) })).headers.location).toBe('/?canvas=error&code=state_invalid');
    expect((await callback(h, { code: canvas.issueCode(redirectUri), state: '<script>' })).headers.location).toBe('/?canvas=error&code=state_invalid');
    expect(await storedState(h)).toBe(before);

    const late = await startAuthorization(h, 'u-late', { baseUrl: canvas.url });
    const lateParams = authorizeParams(late.json().authorizeUrl);
    await h.database.db.updateTable('oauth_states').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', 'u-late').execute();
    const expired = await callback(h, { code: canvas.issueCode(lateParams.redirectUri), state: lateParams.state });
    expect(expired.headers.location).toBe('/?canvas=error&code=state_invalid');
    expect(await h.database.db.selectFrom('connections').select('id').where('user_id', '=', 'u-late').executeTakeFirst()).toBeUndefined();
    expect(await h.database.db.selectFrom('oauth_states').select('state_hash').where('user_id', '=', 'u-late').executeTakeFirst()).toBeUndefined();
  });

  it('refuses unknown or foreign returnTo, bad Canvas URLs and hosts without a developer key, storing nothing', async () => {
    const before = await storedState(h);
    for (const returnTo of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', `${APP_ORIGIN}@evil.example/`, 'javascript:alert(1)', 'https://app.example.edu.evil.example/']) {
      const res = await startAuthorization(h, 'u-refused', { baseUrl: canvas.url, returnTo });
      expect(res.statusCode, returnTo).toBe(400);
      expect(res.json().error.code).toBe('return_to_invalid');
    }
    const badUrl = await startAuthorization(h, 'u-refused', { baseUrl: 'ftp://canvas.example.edu' });
    expect([badUrl.statusCode, badUrl.json().error.code]).toEqual([400, 'canvas_url_invalid']);
    const noKey = await startAuthorization(h, 'u-refused', { baseUrl: 'http://127.0.0.1:1' });
    expect([noKey.statusCode, noKey.json().error.code]).toEqual([422, 'canvas_oauth_unavailable']);
    const anonymous = await h.app.inject({ method: 'POST', url: '/api/v1/canvas/oauth/start', payload: { baseUrl: canvas.url } });
    expect(anonymous.statusCode).toBe(401);
    expect(await storedState(h)).toBe(before);
  });

  it('a code issued for another redirect URI is refused as exchange_failed, and the old connection is kept', async () => {
    const sealed = h.cipher.encrypt('pasted-token', 'u-other-uri');
    await h.database.db.insertInto('connections').values({ user_id: 'u-other-uri', base_url: canvas.url, token_ciphertext: sealed.ciphertext, token_key_id: sealed.keyId, canvas_user: null }).execute();
    const before = await h.database.db.selectFrom('connections').selectAll().orderBy('user_id').execute();
    const started = await startAuthorization(h, 'u-other-uri', { baseUrl: canvas.url, returnTo: '/back' });
    const { state } = authorizeParams(started.json().authorizeUrl);
    const res = await callback(h, { code: canvas.issueCode('https://attacker.example/callback'), state });
    expect(res.headers.location).toBe('/back?canvas=error&code=exchange_failed');
    expect(await h.database.db.selectFrom('connections').selectAll().orderBy('user_id').execute()).toEqual(before);
    expect(await h.database.db.selectFrom('oauth_states').select('state_hash').where('user_id', '=', 'u-other-uri').execute()).toEqual([]);
    const row = before.find((r) => r.user_id === 'u-other-uri')!;
    expect(openConnectionTokens(h.cipher, row)).toEqual({ accessToken: 'pasted-token' });
  });

  it('refuses pasted tokens when CANVAS_PERSONAL_TOKENS is deny (the default with developer keys)', async () => {
    const res = await h.app.inject({ method: 'PUT', url: '/api/v1/canvas/connection', headers: await h.auth('u-paste'), payload: { baseUrl: canvas.url, accessToken: 'pasted' } });
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'personal_tokens_disabled']);
    expect(await h.database.db.selectFrom('connections').select('id').where('user_id', '=', 'u-paste').executeTakeFirst()).toBeUndefined();
  });

  it('a denied consent comes back as access_denied and keeps the old connection', async () => {
    await connectWithCanvas(h, canvas, 'u-deny');
    const before = await h.database.db.selectFrom('connections').selectAll().where('user_id', '=', 'u-deny').executeTakeFirstOrThrow();
    const started = await startAuthorization(h, 'u-deny', { baseUrl: canvas.url, returnTo: '/panel' });
    const { state } = authorizeParams(started.json().authorizeUrl);
    const res = await callback(h, { error: 'access_denied', error_description: 'The user denied', state });
    expect(res.headers.location).toBe('/panel?canvas=error&code=access_denied');
    expect(await h.database.db.selectFrom('connections').selectAll().where('user_id', '=', 'u-deny').executeTakeFirstOrThrow()).toEqual(before);
  });

  it('never logs a code, state, token or client secret', async () => {
    const started = await startAuthorization(h, 'u-logs', { baseUrl: canvas.url });
    const { state, redirectUri } = authorizeParams(started.json().authorizeUrl);
    await callback(h, { code: canvas.issueCode(redirectUri), state });
    const logs = h.logLines.join('\n');
    expect(logs).toContain('canvas connected with oauth');
    for (const secret of [...canvas.secrets(), state]) expect(logs).not.toContain(secret);
  });
});

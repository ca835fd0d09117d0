import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCanvasSim, type CanvasSim } from '@canvas-sync/canvas-sim';
import type { ApiHarness } from './support/api-harness.js';
import { authorizeParams, callback, startAuthorization, startOAuthApi } from './support/oauth-harness.js';

const CLIENT = { clientId: '170000000000077', clientSecret: 'sim-client-secret-0123456789' };

/** The browser's part: the consent page's form, submitted with the chosen button. */
async function consent(authorizeUrl: string, button: 'accept' | 'deny'): Promise<URL> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  const fields = new URLSearchParams();
  const form = html.slice(html.indexOf(`action="/login/oauth2/${button}"`));
  for (const match of form.slice(0, form.indexOf('</form>')).matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.append(match[1]!, match[2]!.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&#39;', "'"));
  }
  const answer = await fetch(new URL(`/login/oauth2/${button}`, authorizeUrl), { method: 'POST', body: fields, redirect: 'manual' });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get('location')!);
}

/** "Connect with Canvas" against the simulator: its consent page, its token endpoint, its revocation. */
describe('Connect with Canvas against the Canvas simulator', () => {
  let sim: CanvasSim;
  let h: ApiHarness;
  beforeAll(async () => {
    sim = await startCanvasSim({ profile: 'tiny', latency: { baseMs: 0, perItemMs: 0 }, oauthClients: [CLIENT] });
    h = await startOAuthApi({ host: new URL(sim.url).host, client: CLIENT });
  });
  afterAll(async () => {
    await h?.close();
    await sim?.close();
  });

  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, userId: string) => h.app.inject({ method, url, headers: await h.auth(userId) });

  it('approve → connected → test works → disconnect revokes at Canvas', async () => {
    const started = await startAuthorization(h, 'sim-user', { baseUrl: sim.url, returnTo: '/panel' });
    expect(started.statusCode, started.body).toBe(200);
    const back = await consent(started.json().authorizeUrl, 'accept');
    expect(`${back.origin}${back.pathname}`).toBe(authorizeParams(started.json().authorizeUrl).redirectUri);
    const res = await callback(h, Object.fromEntries(back.searchParams));
    expect(res.headers.location).toBe('/panel?canvas=connected');
    expect(sim.oauthStats().authorizationCodeGrants).toBe(1);

    const user = sim.users[0]!;
    expect((await call('GET', '/api/v1/canvas/connection', 'sim-user')).json()).toEqual({
      baseUrl: sim.url,
      connected: true,
      canvasUser: { id: user.id, name: user.name },
      authType: 'oauth',
      status: 'ok',
    });
    expect((await call('POST', '/api/v1/canvas/connection/test', 'sim-user')).json()).toEqual({ ok: true, user: { id: user.id, name: user.name } });

    // Canvas expires the access token: test connection renews it once and goes on.
    sim.expireOAuthTokens(user.id);
    expect((await call('POST', '/api/v1/canvas/connection/test', 'sim-user')).json()).toMatchObject({ ok: true });
    expect(sim.oauthStats().refreshGrants).toBe(1);

    expect((await call('DELETE', '/api/v1/canvas/connection', 'sim-user')).statusCode).toBe(204);
    expect(sim.oauthStats().revocations).toBe(1);
    expect((await call('GET', '/api/v1/canvas/connection', 'sim-user')).json()).toMatchObject({ connected: false });
  });

  it('Cancel on the consent page comes back as access_denied and keeps the old connection', async () => {
    const first = await startAuthorization(h, 'sim-deny', { baseUrl: sim.url });
    await callback(h, Object.fromEntries((await consent(first.json().authorizeUrl, 'accept')).searchParams));
    const before = await h.database.db.selectFrom('connections').selectAll().where('user_id', '=', 'sim-deny').executeTakeFirstOrThrow();
    const again = await startAuthorization(h, 'sim-deny', { baseUrl: sim.url, returnTo: '/panel' });
    const back = await consent(again.json().authorizeUrl, 'deny');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect((await callback(h, Object.fromEntries(back.searchParams))).headers.location).toBe('/panel?canvas=error&code=access_denied');
    expect(await h.database.db.selectFrom('connections').selectAll().where('user_id', '=', 'sim-deny').executeTakeFirstOrThrow()).toEqual(before);
  });

  it('a revoked grant makes the connection reauth_required on test', async () => {
    const started = await startAuthorization(h, 'sim-revoked', { baseUrl: sim.url });
    await callback(h, Object.fromEntries((await consent(started.json().authorizeUrl, 'accept')).searchParams));
    sim.revokeOAuthGrants(sim.users[0]!.id);
    expect((await call('POST', '/api/v1/canvas/connection/test', 'sim-revoked')).json()).toMatchObject({ ok: false, error: { code: 'invalid_token' } });
    expect((await call('GET', '/api/v1/canvas/connection', 'sim-revoked')).json()).toMatchObject({ status: 'reauth_required' });
  });
});

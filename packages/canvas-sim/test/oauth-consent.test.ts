import { afterEach, describe, expect, it } from 'vitest';
import type { CanvasSim } from '../src/index.js';
import { startQuietSim } from './helpers.js';
import { authPath, call, CLIENT, exchange, formFields, REDIRECT, type Tokens } from './oauth-helpers.js';

/** `GET /login/oauth2/auth` and its consent page, as a browser test clicks through it. */
describe('OAuth2 consent', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());
  const start = (extra: Parameters<typeof startQuietSim>[0] = {}) =>
    startQuietSim({ users: [{ profile: 'tiny', name: 'Ada Lovelace' }, { profile: 'tiny', name: 'Alan Turing' }], oauthClients: [CLIENT], ...extra });

  it('shows a consent page for the signed-in user with Authorize and Cancel forms', async () => {
    sim = await start();
    const page = await call(sim, 'GET', authPath({ purpose: 'Sync <grades>', scope: 'url:GET|/api/v1/courses' }));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('Canvas Sync Test is requesting access to your account');
    expect(page.text).toContain('Ada Lovelace');
    expect(page.text).toContain('Purpose: Sync &#60;grades&#62;');
    expect(page.text).toContain('<button type="submit">Authorize</button>');
    expect(page.text).toContain('<button type="submit">Cancel</button>');
    expect(page.text).not.toContain('<script');
    expect(formFields(page.text, '/login/oauth2/accept')).toEqual({
      client_id: CLIENT.clientId,
      redirect_uri: REDIRECT,
      user_id: String(sim.users[0]!.id),
      state: 'st-1',
      scope: 'url:GET|/api/v1/courses',
    });
  });

  it('Authorize redirects with a code and the state; the code is the signed-in user\'s', async () => {
    sim = await start();
    expect(sim.oauthSessionUser()).toBe(sim.users[0]!.id);
    sim.setOAuthSessionUser(sim.users[1]!.id);
    const page = await call(sim, 'GET', authPath());
    expect(page.text).toContain('Alan Turing');
    const accepted = await call(sim, 'POST', '/login/oauth2/accept', { form: formFields(page.text, '/login/oauth2/accept') });
    expect(accepted.status).toBe(302);
    const location = new URL(accepted.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('st-1');
    const code = location.searchParams.get('code') ?? '';
    expect(code).toMatch(/^7~[A-Za-z0-9_-]{40,}$/);
    const tokens = (await exchange(sim, code)).json as Tokens;
    expect(tokens.user).toEqual({ id: sim.users[1]!.id, name: 'Alan Turing', global_id: String(sim.users[1]!.id), effective_locale: 'en' });
    expect(sim.oauthStats().byUser[String(sim.users[1]!.id)]?.consents).toBe(1);
  });

  it('Cancel redirects with error=access_denied and the state, and is counted', async () => {
    sim = await start();
    const page = await call(sim, 'GET', authPath());
    const denied = await call(sim, 'POST', '/login/oauth2/deny', { form: formFields(page.text, '/login/oauth2/deny') });
    expect(denied.status).toBe(302);
    expect(denied.headers.get('location')).toBe(`${REDIRECT}?error=access_denied&state=st-1`);
    const stats = sim.oauthStats();
    expect(stats.deniedConsents).toBe(1);
    expect(stats.byUser[String(sim.users[0]!.id)]?.deniedConsents).toBe(1);
    expect(stats.byClient[CLIENT.clientId]?.deniedConsents).toBe(1);
    expect(stats.consents).toBe(0);
  });

  it('an unknown client, a bad response_type or a bad redirect_uri is an error page, never a redirect', async () => {
    sim = await start();
    const cases: Array<Record<string, string>> = [{ client_id: 'nope' }, { response_type: 'token' }, { redirect_uri: 'javascript:alert(1)' }, { redirect_uri: '' }];
    for (const params of cases) {
      const answer = await call(sim, 'GET', authPath(params));
      expect(answer.status, JSON.stringify(params)).toBe(400);
      expect(answer.headers.get('location')).toBeNull();
      expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(answer.text).toContain('Authorization error');
    }
    const forged = await call(sim, 'POST', '/login/oauth2/accept', { form: { client_id: 'nope', redirect_uri: REDIRECT, user_id: String(sim.users[0]!.id) } });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
  });

  it('auto-approve redirects at once with a code for the signed-in user, set over HTTP', async () => {
    sim = await start({ oauthAutoApprove: true });
    const session = await call(sim, 'PUT', '/__sim/oauth/session', { json: { userId: sim.users[1]!.id } });
    expect(session).toMatchObject({ status: 200, json: { userId: sim.users[1]!.id } });
    expect((await call(sim, 'GET', '/__sim/oauth/session')).json).toEqual({ userId: sim.users[1]!.id });
    expect((await call(sim, 'PUT', '/__sim/oauth/session', { json: { userId: 1 } })).status).toBe(404);
    const answer = await call(sim, 'GET', authPath({ state: 'a b&c' }));
    expect(answer.status).toBe(302);
    const location = new URL(answer.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('a b&c');
    const tokens = (await exchange(sim, location.searchParams.get('code') ?? '')).json as Tokens;
    expect(tokens.user.id).toBe(sim.users[1]!.id);
  });
});

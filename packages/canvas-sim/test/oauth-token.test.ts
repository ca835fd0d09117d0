import { afterEach, describe, expect, it } from 'vitest';
import type { CanvasSim } from '../src/index.js';
import { startQuietSim } from './helpers.js';
import { apiSelf, call, CLIENT, codeFor, connect, exchange, REDIRECT, refresh, type Tokens } from './oauth-helpers.js';

const OTHER = { clientId: '10000000000002', clientSecret: 'other-secret' };

/** `POST /login/oauth2/token`: both grants and every refusal, with Canvas's statuses and bodies. */
describe('OAuth2 token endpoint', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());
  const start = (extra: Parameters<typeof startQuietSim>[0] = {}) =>
    startQuietSim({ users: [{ profile: 'tiny', name: 'Ada Lovelace' }], oauthClients: [CLIENT, OTHER], oauthAutoApprove: true, ...extra });

  it('exchanges a code for tokens that authenticate the API, each with its own throttle bucket', async () => {
    sim = await start({ accessTokenTtlSeconds: 5 });
    const answer = await exchange(sim, await codeFor(sim));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const body = answer.json as Tokens & Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'canvas_region', 'expires_in', 'refresh_token', 'token_type', 'user']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 5, canvas_region: 'us-east-1', user: { id: sim.users[0]!.id, name: 'Ada Lovelace' } });
    expect(body.access_token).not.toBe(body.refresh_token);
    const self = await apiSelf(sim, body.access_token);
    expect(self.status).toBe(200);
    expect((self.json as { id: number }).id).toBe(sim.users[0]!.id);
    expect(sim.stats().byToken[body.access_token]?.requests).toBe(1);
    expect(sim.users[0]!.token).not.toBe(body.access_token);
    expect(sim.oauthStats()).toMatchObject({ consents: 1, authorizationCodeGrants: 1, byClient: { [CLIENT.clientId]: { authorizationCodeGrants: 1 } } });
  });

  it('accepts JSON bodies and HTTP Basic client credentials', async () => {
    sim = await start();
    const json = await call(sim, 'POST', '/login/oauth2/token', {
      json: { grant_type: 'authorization_code', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, redirect_uri: REDIRECT, code: await codeFor(sim) },
    });
    expect(json.status).toBe(200);
    const basic = await call(sim, 'POST', '/login/oauth2/token', {
      form: { grant_type: 'authorization_code', redirect_uri: REDIRECT, code: await codeFor(sim) },
      headers: { authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
  });

  it('codes are single-use, bound to the client and the redirect_uri', async () => {
    sim = await start();
    const badCode = { error: 'invalid_grant', error_description: 'The authorization code provided is invalid or has expired' };
    const code = await codeFor(sim);
    expect((await exchange(sim, code)).status).toBe(200);
    expect(await exchange(sim, code)).toMatchObject({ status: 400, json: badCode });
    const mismatch = await exchange(sim, await codeFor(sim), { redirect_uri: 'http://app.test/other' });
    expect(mismatch).toMatchObject({ status: 400, json: { error: 'invalid_grant', error_description: 'redirect_uri does not match' } });
    const foreign = await exchange(sim, await codeFor(sim), { client_id: OTHER.clientId, client_secret: OTHER.clientSecret });
    expect(foreign).toMatchObject({ status: 400, json: badCode });
    expect(await exchange(sim, 'made-up')).toMatchObject({ status: 400, json: badCode });
    expect(sim.oauthStats().failedGrants).toBe(4);
  });

  it('codes expire', async () => {
    sim = await start({ authorizationCodeTtlSeconds: 0.05 });
    const code = await codeFor(sim);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await exchange(sim, code)).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  });

  it('refuses bad clients (401 invalid_client), missing fields (400 invalid_request) and unknown grants', async () => {
    sim = await start();
    const code = await codeFor(sim);
    expect(await exchange(sim, code, { client_id: 'nope' })).toMatchObject({ status: 401, json: { error: 'invalid_client', error_description: 'unknown client' } });
    expect(await exchange(sim, code, { client_secret: 'wrong' })).toMatchObject({ status: 401, json: { error: 'invalid_client', error_description: 'invalid client' } });
    expect(await exchange(sim, '')).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    expect(await exchange(sim, code, { grant_type: 'password' })).toMatchObject({ status: 400, json: { error: 'unsupported_grant_type' } });
    expect(await refresh(sim, '')).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    expect(await refresh(sim, 'nope')).toMatchObject({ status: 400, json: { error: 'invalid_grant', error_description: 'refresh_token not found' } });
    // A refused client spent nothing: the code still works.
    expect((await exchange(sim, code)).status).toBe(200);
  });

  it('refresh gives a new access token and no new refresh token; the old access token stops working', async () => {
    sim = await start({ accessTokenTtlSeconds: 7 });
    const tokens = await connect(sim);
    const first = await refresh(sim, tokens.refresh_token);
    expect(first.status).toBe(200);
    const body = first.json as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'canvas_region', 'expires_in', 'token_type', 'user']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 7, user: { id: sim.users[0]!.id } });
    expect((await apiSelf(sim, body['access_token'] as string)).status).toBe(200);
    const old = await apiSelf(sim, tokens.access_token);
    expect(old.status).toBe(401);
    expect(old.json).toEqual({ errors: [{ message: 'Invalid access token.' }] });
    expect((await refresh(sim, tokens.refresh_token)).status).toBe(200);
    const stats = sim.oauthStats();
    expect(stats.refreshGrants).toBe(2);
    expect(stats.byUser[String(sim.users[0]!.id)]?.refreshTimes).toHaveLength(2);
    expect(stats.replacedTokenRequests).toBe(1);
    // Another client's credentials cannot use this refresh token.
    const foreign = await call(sim, 'POST', '/login/oauth2/token', {
      form: { grant_type: 'refresh_token', client_id: OTHER.clientId, client_secret: OTHER.clientSecret, refresh_token: tokens.refresh_token },
    });
    expect(foreign).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  });

  it('a global outage answers 503 at the token endpoint too (the load balancer is in front of it)', async () => {
    sim = await start();
    const tokens = await connect(sim);
    sim.setFaults({ outageSeconds: 60 });
    const down = await refresh(sim, tokens.refresh_token);
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toBe('text/html');
    expect(down.text).toContain('503 Service Unavailable');
    sim.setFaults({ outageSeconds: 0 });
    expect((await refresh(sim, tokens.refresh_token)).status).toBe(200);
    expect(sim.oauthStats().refreshGrants).toBe(1);
  });

  it('replace_tokens=1 revokes the user\'s earlier grants for this key only', async () => {
    sim = await start();
    const earlier = await connect(sim);
    const otherKey = (await exchange(sim, await codeFor(sim, { client_id: OTHER.clientId }), { client_id: OTHER.clientId, client_secret: OTHER.clientSecret })).json as Tokens;
    const latest = await connect(sim, { replace_tokens: '1' });
    expect((await apiSelf(sim, earlier.access_token)).status).toBe(401);
    expect(await refresh(sim, earlier.refresh_token)).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    expect((await apiSelf(sim, latest.access_token)).status).toBe(200);
    expect((await apiSelf(sim, otherKey.access_token)).status).toBe(200);
  });
});

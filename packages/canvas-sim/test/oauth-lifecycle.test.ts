import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cli-args.js';
import { redactUrl } from '../src/http/redact.js';
import type { CanvasSim } from '../src/index.js';
import { startQuietSim } from './helpers.js';
import { apiSelf, call, CLIENT, connect, refresh } from './oauth-helpers.js';

const INVALID = { errors: [{ message: 'Invalid access token.' }] };

/** Expiry, revocation (by the user, by control) and the counters a fetcher's refresh logic is judged by. */
describe('OAuth2 token lifecycle', () => {
  let sim: CanvasSim;
  afterEach(async () => sim?.close());
  const start = (extra: Parameters<typeof startQuietSim>[0] = {}) =>
    startQuietSim({ users: [{ profile: 'tiny' }, { profile: 'tiny' }], oauthClients: [CLIENT], oauthAutoApprove: true, ...extra });

  it('an access token past expires_in answers 401 Invalid access token, counted per request; refresh still works', async () => {
    sim = await start({ accessTokenTtlSeconds: 0.1 });
    const tokens = await connect(sim);
    await new Promise((resolve) => setTimeout(resolve, 150));
    for (let i = 0; i < 2; i++) {
      const answer = await apiSelf(sim, tokens.access_token);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="canvas-lms"');
      expect(answer.json).toEqual(INVALID);
    }
    const userKey = String(sim.users[0]!.id);
    expect(sim.oauthStats().refusals).toEqual([
      expect.objectContaining({ userId: sim.users[0]!.id, clientId: CLIENT.clientId, reason: 'expired', endpoint: 'GET /api/v1/users/:id', path: '/api/v1/users/self' }),
      expect.objectContaining({ reason: 'expired', path: '/api/v1/users/self' }),
    ]);
    expect(sim.oauthStats()).toMatchObject({ expiredTokenRequests: 2, byUser: { [userKey]: { expiredTokenRequests: 2 } }, byClient: { [CLIENT.clientId]: { expiredTokenRequests: 2 } } });
    expect((await refresh(sim, tokens.refresh_token)).status).toBe(200);
  });

  it('control expiry ends the current access tokens of one user now (method and HTTP); refresh still works', async () => {
    sim = await start();
    const [ada, alan] = [sim.users[0]!.id, sim.users[1]!.id];
    const first = await connect(sim);
    sim.setOAuthSessionUser(alan);
    const other = await connect(sim);
    expect(sim.expireOAuthTokens(ada)).toBe(1);
    expect((await apiSelf(sim, first.access_token)).json).toEqual(INVALID);
    expect((await apiSelf(sim, other.access_token)).status).toBe(200);
    const again = (await refresh(sim, first.refresh_token)).json as { access_token: string };
    expect((await apiSelf(sim, again.access_token)).status).toBe(200);
    expect(await call(sim, 'POST', `/__sim/oauth/users/${ada}/expire`, { json: { clientId: CLIENT.clientId } })).toMatchObject({ status: 200, json: { expired: 1 } });
    expect((await apiSelf(sim, again.access_token)).status).toBe(401);
    expect(sim.oauthStats().expiredTokenRequests).toBe(2);
    expect((await call(sim, 'POST', '/__sim/oauth/users/1/expire')).status).toBe(404);
    expect((await call(sim, 'POST', `/__sim/oauth/users/${ada}/expire`, { json: { clientId: 'nope' } })).status).toBe(404);
  });

  it('control revocation ends the grants: access tokens 401 (counted), refresh invalid_grant', async () => {
    sim = await start();
    const tokens = await connect(sim);
    expect(await call(sim, 'POST', `/__sim/oauth/users/${sim.users[0]!.id}/revoke`)).toMatchObject({ status: 200, json: { revoked: 1 } });
    expect((await apiSelf(sim, tokens.access_token)).json).toEqual(INVALID);
    expect(await refresh(sim, tokens.refresh_token)).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    expect(sim.oauthStats().revokedTokenRequests).toBe(1);
    const next = await connect(sim);
    expect(sim.revokeOAuthGrants(sim.users[0]!.id, CLIENT.clientId)).toBe(1);
    expect((await apiSelf(sim, next.access_token)).status).toBe(401);
  });

  it('DELETE /login/oauth2/token revokes the grant behind the bearer token and is counted', async () => {
    sim = await start();
    const tokens = await connect(sim);
    const deleted = await call(sim, 'DELETE', '/login/oauth2/token?expire_sessions=1', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(deleted).toMatchObject({ status: 200, json: {} });
    expect((await apiSelf(sim, tokens.access_token)).json).toEqual(INVALID);
    expect(await refresh(sim, tokens.refresh_token)).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const again = await call(sim, 'DELETE', '/login/oauth2/token', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(again).toMatchObject({ status: 401, json: INVALID });
    expect(again.headers.get('www-authenticate')).toBe('Bearer realm="canvas-lms"');
    expect((await call(sim, 'DELETE', '/login/oauth2/token')).status).toBe(401);
    expect(sim.oauthStats()).toMatchObject({ revocations: 1, revokedTokenRequests: 2, byUser: { [String(sim.users[0]!.id)]: { revocations: 1 } } });
    expect(sim.oauthStats().refusals.map((r) => r.endpoint)).toEqual(['GET /api/v1/users/:id', 'DELETE /login/oauth2/token']);
  });

  it('counters come over HTTP too, inside /__sim/stats, and resetStats zeroes them', async () => {
    sim = await start();
    await refresh(sim, (await connect(sim)).refresh_token);
    const overHttp = (await call(sim, 'GET', '/__sim/oauth/stats')).json as { refreshGrants: number; refreshTimes: number[] };
    expect(overHttp).toEqual(sim.oauthStats());
    expect(overHttp.refreshGrants).toBe(1);
    expect(overHttp.refreshTimes).toHaveLength(1);
    expect(((await call(sim, 'GET', '/__sim/stats')).json as { oauth: unknown }).oauth).toEqual(sim.oauthStats());
    sim.resetStats();
    expect(sim.oauthStats()).toMatchObject({ authorizationCodeGrants: 0, refreshGrants: 0, refreshTimes: [], byUser: {}, byClient: {}, refusals: [] });
  });

  it('no personal token is touched, and users[].token stays the personal one', async () => {
    sim = await start();
    const personal = sim.users[0]!.token;
    await connect(sim);
    sim.revokeOAuthGrants(sim.users[0]!.id);
    expect(sim.users[0]!.token).toBe(personal);
    expect((await apiSelf(sim, personal)).status).toBe(200);
  });
});

describe('OAuth2 and hostile options', () => {
  it('CLI flags map onto SimOptions', () => {
    const { options } = parseCliArgs(['--oauth-client', 'id1:s:e:c', '--oauth-client', 'id2:x', '--access-token-ttl', '5', '--oauth-code-ttl', '30', '--oauth-auto-approve']);
    expect(options).toEqual({
      oauthClients: [{ clientId: 'id1', clientSecret: 's:e:c' }, { clientId: 'id2', clientSecret: 'x' }],
      accessTokenTtlSeconds: 5,
      authorizationCodeTtlSeconds: 30,
      oauthAutoApprove: true,
    });
    expect(parseCliArgs(['--hostile-tuning', '{"trickleBytes":2}', '--users', '[{"hostile":"gzipBomb"}]']).options).toEqual({
      hostileTuning: { trickleBytes: 2 },
      users: [{ hostile: 'gzipBomb' }],
    });
    expect(() => parseCliArgs(['--oauth-client', 'nosecret'])).toThrow(/ID:SECRET/);
    expect(() => parseCliArgs(['--oauth-client', 'id:'])).toThrow(/ID:SECRET/);
  });

  it('refuses bad option values', async () => {
    await expect(startQuietSim({ accessTokenTtlSeconds: 0 })).rejects.toThrow(/accessTokenTtlSeconds/);
    await expect(startQuietSim({ oauthClients: [CLIENT, CLIENT] })).rejects.toThrow(/duplicate/);
    await expect(startQuietSim({ oauthClients: [{ clientId: 'x', clientSecret: '' }] })).rejects.toThrow(/clientSecret/);
    await expect(startQuietSim({ users: [{ hostile: 'nope' as never }] })).rejects.toThrow(/unknown hostile kind/);
    await expect(startQuietSim({ hostileTuning: { trickleBytes: 0 } })).rejects.toThrow(/trickleBytes/);
  });

  it('request logs never carry codes, tokens or secrets', () => {
    expect(redactUrl('/login/oauth2/auth?client_id=1&code=abc&state=s')).toBe('/login/oauth2/auth?client_id=1&code=[redacted]&state=s');
    expect(redactUrl('/api/v1/courses?access_token=7~x&per_page=5')).toBe('/api/v1/courses?access_token=[redacted]&per_page=5');
    expect(redactUrl('/x?refresh_token=a&client_secret=b')).toBe('/x?refresh_token=[redacted]&client_secret=[redacted]');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOAuthConfig } from '../src/oauth/oauth.config.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

const CLIENT_ID = 'client-id-170000000000042';
const CLIENT_SECRET = 'client-secret-that-must-never-be-answered';

describe('GET /api/v1/canvas/oauth/options (what the panel may offer)', () => {
  let withKeys: ApiHarness;
  let plain: ApiHarness;
  beforeAll(async () => {
    const env = {
      CANVAS_OAUTH_CLIENTS: JSON.stringify([
        { host: 'School.Instructure.com', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
        { host: 'canvas.example.edu:8443', clientId: 'other-id', clientSecret: 'other-secret' },
      ]),
      PUBLIC_URL: 'https://sync.example.edu',
    };
    withKeys = await startApiHarness({ oauth: toOAuthConfig(env, () => '', { port: 3000, demo: false }) });
    plain = await startApiHarness();
  });
  afterAll(async () => {
    await withKeys?.close();
    await plain?.close();
  });

  const get = async (h: ApiHarness, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url: '/api/v1/canvas/oauth/options', headers });

  it('lists the hosts with a developer key and the pasted-token policy, never a client id or secret', async () => {
    const res = await get(withKeys, await withKeys.auth('u-options'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    // Developer keys configured and CANVAS_PERSONAL_TOKENS unset: pasted tokens are denied.
    expect(res.json()).toEqual({ hosts: ['school.instructure.com', 'canvas.example.edu:8443'], personalTokens: 'deny' });
    for (const secret of [CLIENT_ID, CLIENT_SECRET, 'other-id', 'other-secret']) expect(res.body).not.toContain(secret);
    expect(withKeys.logLines.join('\n')).not.toContain(CLIENT_SECRET);
  });

  it('answers no hosts and allowed tokens without developer keys', async () => {
    expect((await get(plain, await plain.auth('u-options'))).json()).toEqual({ hosts: [], personalTokens: 'allow' });
  });

  it('needs the user token like every /api/v1 route', async () => {
    const res = await get(withKeys);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
  });
});

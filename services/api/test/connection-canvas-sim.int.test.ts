import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCanvasSim, type CanvasSim } from '@canvas-sync/canvas-sim';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

/** "Test connection" against the Canvas simulator: the same client, a Canvas as awkward as the real one. */
describe('test connection against the Canvas simulator', () => {
  let h: ApiHarness;
  let sim: CanvasSim;
  beforeAll(async () => {
    sim = await startCanvasSim({ profile: 'tiny', latency: { baseMs: 0, perItemMs: 0 } });
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h.close();
    await sim.close();
  });

  const connectAndTest = async (userId: string, accessToken: string) => {
    const auth = await h.auth(userId);
    const saved = await h.app.inject({ method: 'PUT', url: '/api/v1/canvas/connection', headers: auth, payload: { baseUrl: sim.url, accessToken } });
    expect(saved.statusCode).toBe(204);
    return h.app.inject({ method: 'POST', url: '/api/v1/canvas/connection/test', headers: auth });
  };

  it('ok with the Canvas user; invalid_token once the token is revoked', async () => {
    const user = sim.users[0]!;
    const ok = await connectAndTest('host-user-1', user.token);
    expect(ok.json()).toEqual({ ok: true, user: { id: user.id, name: user.name } });

    sim.revokeToken(user.id);
    const revoked = await h.app.inject({ method: 'POST', url: '/api/v1/canvas/connection/test', headers: await h.auth('host-user-1') });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ ok: false, error: { code: 'invalid_token' } });
  });

  it('unreachable while Canvas is down (503 outage)', async () => {
    const token = sim.issueToken(sim.users[0]!.id);
    sim.setFaults({ outageSeconds: 30 });
    try {
      const res = await connectAndTest('host-user-2', token);
      expect(res.json()).toMatchObject({ ok: false, error: { code: 'unreachable' } });
    } finally {
      sim.clearFaults();
    }
  });

  it('an unknown token is invalid_token', async () => {
    const res = await connectAndTest('host-user-3', 'not-a-canvas-token');
    expect(res.json()).toMatchObject({ ok: false, error: { code: 'invalid_token' } });
  });
});

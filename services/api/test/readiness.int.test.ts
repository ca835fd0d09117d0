import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessCheck } from '@canvas-sync/shared';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

/** What a Postgres driver says when the database is away: a host, an address, a user. */
const LEAKY = 'password authentication failed for user "canvas_sync" at db-primary.internal (10.0.4.7:5432)';

/** Issue 14: the public /readyz says ready or not per check, never the error text behind it. */
describe('api /readyz on the public port', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    const failing: ReadinessCheck = {
      name: 'postgres',
      check: async () => {
        throw new Error(LEAKY);
      },
    };
    h = await startApiHarness({ checks: [{ name: 'nats', check: async () => undefined }, failing] });
  });
  afterAll(async () => h.close());

  it('answers 503 with ok/failed per check name only; the detail goes to the log', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not ready', checks: { nats: 'ok', postgres: 'failed' } });
    expect(res.body).not.toContain('10.0.4.7');
    expect(res.body).not.toContain('canvas_sync');
    expect(h.logLines.some((line) => line.includes('not ready') && line.includes('db-primary.internal'))).toBe(true);
  });

  it('does not serve /metrics on the public port', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });
});

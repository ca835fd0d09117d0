import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type PipelineHarness } from '@canvas-sync/testkit';

/**
 * The fetcher process with its default SSRF policy (CANVAS_ALLOW_PRIVATE_NETWORK unset = false):
 * a connection whose Canvas URL points at 127.0.0.1 (as a DNS-rebinding attacker would arrange
 * after the api accepted it) fails the sync with `canvas_url_invalid`, and the simulator there
 * never sees a request.
 */
describe('fetcher SSRF policy, end to end', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipeline({ env: { CANVAS_ALLOW_PRIVATE_NETWORK: '' } });
  }, 120_000);
  afterAll(async () => h?.close());

  it('fails the sync without calling the loopback Canvas', async () => {
    const user = h.sim.users[0]!;
    await h.connect('ssrf-user', user.id);
    h.sim.resetStats();
    const syncId = await h.startSync('ssrf-user');
    const row = await h.waitFor(syncId, ['completed', 'failed', 'cancelled'], 90_000);
    expect(row.status).toBe('failed');
    expect(row.error).toMatchObject({ code: 'canvas_url_invalid' });
    expect(h.sim.stats().requests).toBe(0);
  });
});

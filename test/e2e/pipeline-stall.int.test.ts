import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithGroundTruth, startPipeline, type PipelineHarness } from '@canvas-sync/testkit';

describe('stalled syncs are detected: nothing stays running forever', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipeline({ sim: { users: [{ profile: 'tiny' }, { profile: 'tiny' }] }, env: { SYNC_STALL_MS: '5000', SYNC_STALL_RETRIES: '1', WATCHDOG_INTERVAL_MS: '1000' } });
  }, 120_000);
  afterAll(async () => h?.close());

  it('re-plans a sync whose start message was lost, and it completes', { timeout: 90_000 }, async () => {
    const user = h.sim.users[0]!;
    await h.connect('lost-start', user.id);
    const syncId = await h.startSync('lost-start', {}, { lose: true });
    const row = await h.waitFor(syncId, ['completed', 'failed'], 60_000);
    expect(row.status).toBe('completed');
    expect(row.stall_retries).toBe(1);
    expect(row.run).toBe(1);
    const report = await compareWithGroundTruth(h.database.db, 'lost-start', h.sim, user.id);
    expect(report.equal).toBe(true);
  });

  it('fails a sync that cannot make progress with sync_stalled after its retries', { timeout: 90_000 }, async () => {
    const user = h.sim.users[1]!;
    await h.connect('stuck', user.id);
    // Fetchers stop: the sync's work cannot happen anywhere.
    await Promise.all(h.services.filter((s) => s.name === 'fetcher').map((s) => s.kill('SIGTERM')));
    const syncId = await h.startSync('stuck');
    const row = await h.waitFor(syncId, ['completed', 'failed', 'cancelled'], 60_000);
    expect(row.status).toBe('failed');
    expect(row.error?.code).toBe('sync_stalled');
  });
});

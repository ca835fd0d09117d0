import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startPipeline, startSimProcess, type PipelineHarness, type SimProcess } from '../src/index.js';

/** The harness on a simulator in its own process (the e2e bench's setting): a sync completes with every row. */
describe('startPipeline with an external simulator process', () => {
  let h: PipelineHarness<SimProcess>;
  let simPid: number;
  let closed = false;
  beforeAll(async () => {
    const sim = await startSimProcess({ users: [{ profile: 'tiny' }], latency: { baseMs: 0, perItemMs: 0 } });
    simPid = sim.pid;
    h = await startPipeline({ externalSim: sim });
  }, 120_000);
  afterAll(async () => {
    if (!closed) await h?.close();
  });

  it('syncs from it, and closing the harness ends its process', async () => {
    const user = h.sim.users[0]!.id;
    await h.connect('sim-process-user', user, await h.sim.issueToken(user));
    const row = await h.waitFor(await h.startSync('sim-process-user'), ['completed', 'failed']);
    expect(row.status).toBe('completed');
    const counts = await h.sim.counts(user);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM canvas.assignments WHERE user_id = 'sim-process-user' AND deleted_at IS NULL`.execute(h.database.db);
    expect(rows[0]!.n).toBe(counts.assignments);
    expect((await h.sim.stats()).requests).toBeGreaterThan(0);

    closed = true;
    await h.close();
    expect(() => process.kill(simPid, 0)).toThrow();
  }, 60_000);
});

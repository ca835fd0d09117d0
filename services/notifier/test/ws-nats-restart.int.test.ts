import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateNats, waitFor, type PrivateNats } from '@canvas-sync/testkit';
import { advance, Client, createConnection, createSync, startHarness, type Harness } from './notifier.harness.js';

describe('notifier across a NATS restart', () => {
  let server: PrivateNats;
  let h: Harness;
  beforeAll(async () => {
    server = await startPrivateNats();
    h = await startHarness({}, { natsUrl: server.url });
  });
  afterAll(async () => {
    await h?.close().catch(() => undefined);
    await server?.stop();
  });

  it('keeps delivering progress after the broker crashes and comes back', async () => {
    const sync = await createSync(h, 'rita', await createConnection(h, 'rita'));
    const client = await Client.ready(h.url, 'rita');
    client.send({ type: 'subscribe', syncId: sync.id });
    await client.waitFor((f) => f.type === 'snapshot');
    await advance(h, sync.id, { status: 'running', phase: 'fetching', plan_ready: true, units_total: 4, units_done: 1, started_at: new Date() });
    await client.waitFor((f) => f.type === 'progress' && f.seq === 1);

    await server.kill('SIGKILL');
    await server.restart();
    await waitFor(async () => !h.nats.nc.isClosed() && (await h.nats.nc.flush().then(() => true)), 20_000, 'the test connection to reconnect');

    // The writer's next commit: published once the broker is back.
    await advance(h, sync.id, { status: 'completed', phase: 'done', units_done: 4, finished_at: new Date() });
    const done = await client.waitFor((f) => f.type === 'progress' && f.status === 'completed', 60_000);
    expect(done.seq).toBe(2);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    client.close();
  }, 90_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestNats, freePort, spawnService, type ServiceProcess, type TestDatabase, type TestNats } from '@canvas-sync/testkit';
import { advance, Client, createConnection, createSync } from './notifier.harness.js';

const USERS = 100;
const SOCKETS_PER_USER = 10;

describe('one notifier process with 1,000 sockets', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let notifier: ServiceProcess;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    nats = await createTestNats();
    const port = await freePort();
    notifier = spawnService('notifier', {
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      NATS_NAMESPACE: nats.nsName,
      NOTIFIER_PORT: String(port),
      LOG_LEVEL: 'warn',
    });
    await notifier.waitReady(port);
    url = `ws://127.0.0.1:${port}/ws`;
  });
  afterAll(async () => {
    await notifier?.kill('SIGTERM');
    await nats?.close();
    await database?.drop();
  });

  it('delivers the completion frame of each sync to every socket of its user', async () => {
    const h = { database, nats };
    const syncs: Array<{ userId: string; syncId: string }> = [];
    for (let u = 0; u < USERS; u++) {
      const userId = `load-user-${u}`;
      const sync = await createSync(h, userId, await createConnection(h, userId), { status: 'running', phase: 'fetching', plan_ready: true, units_total: 4, started_at: new Date() });
      syncs.push({ userId, syncId: sync.id });
    }

    const clients: Array<{ client: Client; syncId: string }> = [];
    for (const { userId, syncId } of syncs) {
      const batch = await Promise.all(
        Array.from({ length: SOCKETS_PER_USER }, async (_, i) => {
          const client = await Client.ready(url, userId);
          // Half watch their one sync, half subscribe to all of theirs.
          client.send(i % 2 === 0 ? { type: 'subscribe', syncId } : { type: 'subscribe' });
          await client.waitFor((f) => f.type === 'snapshot' && f.sync.id === syncId, 30_000);
          return { client, syncId };
        }),
      );
      clients.push(...batch);
    }
    expect(clients).toHaveLength(USERS * SOCKETS_PER_USER);

    for (const { syncId } of syncs) {
      await advance(h, syncId, { units_done: 2 });
      await advance(h, syncId, { status: 'completed', phase: 'done', units_done: 4, finished_at: new Date() });
    }

    const finals = await Promise.all(clients.map(({ client, syncId }) => client.waitFor((f) => f.type === 'progress' && f.syncId === syncId && f.status === 'completed', 30_000)));
    expect(finals.every((f) => f.seq === 2 && f.progress.percent === 100)).toBe(true);
    // Nobody got a frame of a sync that is not theirs.
    for (const { client, syncId } of clients) {
      expect(client.frames.every((f) => f.type === 'ready' || (f.type === 'snapshot' ? f.sync.id === syncId : f.syncId === syncId))).toBe(true);
      client.close();
    }
  });
});

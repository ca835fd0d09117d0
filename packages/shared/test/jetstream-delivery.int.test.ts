import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { createTestNats, waitFor, type TestNats } from '@canvas-sync/testkit';
import { publish, syncRequested, type HandlerResult, type RunningConsumer } from '@canvas-sync/shared';
import { consumeSyncRequested, requestSync } from './support/sync-requested.support.js';

const SYNC = '8d5f7d2e-62a2-4a43-9e4b-5a0f7f3d9c11';

describe('publish/consume on real JetStream', () => {
  let nats: TestNats;
  let consumer: RunningConsumer | undefined;
  beforeAll(async () => {
    nats = await createTestNats();
  });
  afterAll(async () => {
    await consumer?.stop(2_000);
    await nats.close();
  });

  const runConsumer = (handle: (run: number, delivery: number) => Promise<HandlerResult>) =>
    consumeSyncRequested(nats, async (p, ctx) => handle(p.run, ctx.deliveryCount), { concurrency: 4, maxDeliver: 10, backoff: { baseMs: 50, maxMs: 100 } });

  it('delivers once, redelivers after nak, never after term, and dedups a repeated id', async () => {
    const seen: Array<[number, number]> = [];
    consumer = runConsumer(async (run, delivery) => {
      seen.push([run, delivery]);
      if (run === 2 && delivery === 1) return { nak: 50 };
      if (run === 3) return 'term';
      return 'ack';
    });
    const send = (run: number, id: string) => requestSync(nats, SYNC, { run, id });
    await send(1, 'm-1');
    const dup = await send(1, 'm-1');
    expect(dup.duplicate).toBe(true);
    await send(2, 'm-2');
    await send(3, 'm-3');

    await waitFor(async () => seen.filter(([r]) => r === 2).length >= 2, 10_000, 'redelivery of the nak-ed message');
    // Give a termed message time to (wrongly) come back before asserting it did not.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(seen.filter(([r]) => r === 1)).toEqual([[1, 1]]);
    expect(seen.filter(([r]) => r === 2)).toEqual([[2, 1], [2, 2]]);
    expect(seen.filter(([r]) => r === 3)).toEqual([[3, 1]]);

    const jsm = await jetstreamManager(nats.nc);
    const dead = await jsm.streams.info(nats.ns.stream('DEAD_LETTERS'));
    expect(dead.state.messages).toBe(1);
    await consumer.stop(2_000);
    consumer = undefined;
  });

  it('terms a malformed message without calling the handler', async () => {
    let calls = 0;
    consumer = runConsumer(async () => {
      calls++;
      return 'ack';
    });
    await nats.js.publish(nats.ns.subject(syncRequested), new TextEncoder().encode('{not json'));
    await nats.js.publish(nats.ns.subject(syncRequested), new TextEncoder().encode(JSON.stringify({ id: 'x', type: 'sync.requested', v: 1, occurredAt: new Date().toISOString(), correlationId: 'c', payload: { syncId: 'nope' } })));
    const jsm = await jetstreamManager(nats.nc);
    await waitFor(async () => (await jsm.streams.info(nats.ns.stream('DEAD_LETTERS'))).state.messages >= 3, 10_000, 'dead letters');
    expect(calls).toBe(0);
  });

  it('refuses to publish a payload that fails its schema', async () => {
    await expect(publish(nats.js, nats.ns, syncRequested, { syncId: 'not-a-uuid', userId: 'u', run: 0 }, { correlationId: 'c' })).rejects.toMatchObject({ code: 'message_invalid' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { TimeoutError } from '@nats-io/transport-node';
import { createTestNats, waitFor, type TestNats } from '@canvas-sync/testkit';
import type { RunningConsumer } from '@canvas-sync/shared';
import { consumeSyncRequested, DURABLE, requestSync } from './support/sync-requested.support.js';

const SYNC = '5b0e3a55-0c55-4c1e-9d42-2f3f1b6f7a01';

/**
 * Regression: after a nats-server restart a publish ack timed out inside a handler; the consumer
 * took that for a permanent error, dead-lettered the message and the fetcher failed the sync.
 */
describe('consume: broker hiccups inside a handler are retried, not given up', () => {
  let nats: TestNats;
  let consumer: RunningConsumer | undefined;
  beforeAll(async () => {
    nats = await createTestNats();
  });
  afterAll(async () => {
    await consumer?.stop(2_000);
    await nats.close();
  });

  it('naks a message whose handler hit a NATS timeout, and handles it again', async () => {
    const deliveries: number[] = [];
    const givenUp: string[] = [];
    consumer = consumeSyncRequested(
      nats,
      async (_p, ctx) => {
        deliveries.push(ctx.deliveryCount);
        if (ctx.deliveryCount === 1) throw new TimeoutError();
      },
      { backoff: { baseMs: 50, maxMs: 100 }, onGiveUp: async (_p, _d, reason) => void givenUp.push(reason) },
    );
    await requestSync(nats, SYNC);
    await waitFor(async () => deliveries.length >= 2, 10_000, 'the redelivery');
    expect(deliveries).toEqual([1, 2]);
    expect(givenUp).toEqual([]);
    const jsm = await jetstreamManager(nats.nc);
    expect((await jsm.streams.info(nats.ns.stream('DEAD_LETTERS'))).state.messages).toBe(0);
  });
});

/**
 * The pull loop looked its consumer up (`consumers.get`, a CONSUMER.INFO round trip) before every
 * pull, i.e. once per handled message. It now looks it up once, and again only after a failed pull:
 * a consumer deleted and re-created (re-provisioning) is still found.
 */
describe('consume: the consumer handle', () => {
  let nats: TestNats;
  let consumer: RunningConsumer | undefined;
  beforeAll(async () => {
    nats = await createTestNats();
  });
  afterAll(async () => {
    await consumer?.stop(2_000);
    await nats.close();
  });

  it('is looked up once for many messages, and again after its consumer was re-created', async () => {
    let lookups = 0;
    const consumers = nats.js.consumers;
    const js = Object.create(nats.js, {
      consumers: { value: Object.create(consumers, { get: { value: (...args: Parameters<typeof consumers.get>) => (lookups++, consumers.get(...args)) } }) },
    }) as typeof nats.js;
    const handled: string[] = [];
    consumer = consumeSyncRequested(nats, async (p) => void handled.push(p.userId), { js });
    for (let i = 0; i < 10; i++) {
      await requestSync(nats, SYNC, { userId: `u${i}`, correlationId: `${SYNC}-${i}` });
      await waitFor(async () => handled.length === i + 1, 10_000, `message ${i}`);
    }
    expect(lookups).toBe(1);

    const jsm = await jetstreamManager(nats.nc);
    const stream = nats.ns.stream('SYNC_WORK');
    const { config } = await jsm.consumers.info(stream, DURABLE);
    await jsm.consumers.delete(stream, DURABLE);
    await jsm.consumers.add(stream, config);
    await requestSync(nats, SYNC, { userId: 'after', correlationId: `${SYNC}-after` });
    await waitFor(async () => handled.includes('after'), 20_000, 'the message after the consumer was re-created');
    expect(lookups).toBeGreaterThan(1);
  });
});

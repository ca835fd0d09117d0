import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createTestNats, waitFor, type TestNats } from '@canvas-sync/testkit';
import { encodeMessage, syncRequested, type RunningConsumer } from '@canvas-sync/shared';
import { consumeSyncRequested, DURABLE, requestSync } from './support/sync-requested.support.js';

const syncId = (i: number) => `5b0e3a55-0c55-4c1e-9d42-2f3f1b6f7b${String(i).padStart(2, '0')}`;

/**
 * Regression (chaos "SIGTERM to the writer": the replacement got a message again): a graceful stop
 * must leave nothing delivered-but-unacked behind. `stop()` cut the open pull (its subscription
 * went, so a message the server had already sent was dropped by the client unseen) and waited only
 * for the handlers running when it was called, not for those the pull's remaining messages started.
 * Each test stops the consumer, then drains its connection as the services do, and reads the server.
 */
describe('consume: a graceful stop acks every message it was delivered', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let consumer: RunningConsumer | undefined;
  beforeEach(async () => {
    nats = await createTestNats();
    // The consumer's own connection, drained after stop like a service's at exit.
    nc = await connect({ servers: nats.url });
  });
  afterEach(async () => {
    await consumer?.stop(2_000);
    if (!nc.isClosed()) await nc.close();
    await nats.close();
  });

  const serverView = async () => {
    const info = await (await jetstreamManager(nats.nc)).consumers.info(nats.ns.stream('SYNC_WORK'), DURABLE);
    return { delivered: info.delivered.consumer_seq, acked: info.ack_floor.consumer_seq, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
  };
  const start = (handle: () => Promise<void>) => consumeSyncRequested(nats, handle, { js: jetstream(nc), concurrency: 5, ackWaitMs: 60_000 });
  const publishMany = async (n: number) => {
    for (let i = 0; i < n; i++) await requestSync(nats, syncId(i));
  };

  it('waits for the handlers of the messages its pull yields after stop was called', async () => {
    await publishMany(5);
    let handled = 0;
    let stopped: Promise<void> | undefined;
    consumer = start(async () => {
      // The stop lands while the pull is still handing out what it fetched (as a SIGTERM can).
      stopped ??= consumer!.stop(20_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      handled++;
    });
    await waitFor(async () => stopped !== undefined, 10_000, 'the first message');
    await stopped;
    await nc.drain();
    expect({ handled, ...(await serverView()) }).toEqual({ handled: 5, delivered: 5, acked: 5, ackPending: 0, redelivered: 0 });
  });

  it('handles the messages the server sent to its open pull before the stop', async () => {
    let handled = 0;
    consumer = start(async () => void handled++);
    // The pull is open on the server (no messages yet).
    await waitFor(async () => (await (await jetstreamManager(nats.nc)).consumers.info(nats.ns.stream('SYNC_WORK'), DURABLE)).num_waiting > 0, 10_000, 'the open pull');
    // A worker publishes 3 messages and waits until the server has sent them to the pull, while this
    // thread is blocked: they sit unread in the consumer's socket when stop() is called.
    const sent = new Int32Array(new SharedArrayBuffer(4));
    const worker = deliverWhileBlocked(sent, { url: nats.url, subject: nats.ns.subject(syncRequested), stream: nats.ns.stream('SYNC_WORK'), durable: DURABLE, count: 3 });
    Atomics.wait(sent, 0, 0, 30_000);
    expect(Atomics.load(sent, 0)).toBe(1);
    await consumer.stop(20_000);
    await nc.drain();
    await worker;
    expect({ handled, ...(await serverView()) }).toEqual({ handled: 3, delivered: 3, acked: 3, ackPending: 0, redelivered: 0 });
  });
});

/**
 * Runs in a worker thread (its own event loop and connection): publishes `count` valid messages and
 * sets `flag[0]` once the server reports them delivered to the durable, i.e. written to its puller's
 * socket. The caller blocks on the flag, so its own connection has not read them yet.
 */
async function deliverWhileBlocked(flag: Int32Array, o: { url: string; subject: string; stream: string; durable: string; count: number }): Promise<void> {
  const require = createRequire(import.meta.url);
  const modules = { transport: require.resolve('@nats-io/transport-node'), jetstream: require.resolve('@nats-io/jetstream') };
  const messages = Array.from({ length: o.count }, (_, i) => encodeMessage(syncRequested, { syncId: syncId(10 + i), userId: 'u1', run: 0 }, { correlationId: syncId(10 + i) }));
  const code = `
    const { workerData } = require('node:worker_threads');
    const { connect } = require(workerData.modules.transport);
    const { jetstream, jetstreamManager } = require(workerData.modules.jetstream);
    (async () => {
      const nc = await connect({ servers: workerData.url });
      const js = jetstream(nc);
      for (const m of workerData.messages) await js.publish(workerData.subject, m.data, { msgID: m.id });
      const jsm = await jetstreamManager(nc);
      while ((await jsm.consumers.info(workerData.stream, workerData.durable)).delivered.consumer_seq < workerData.messages.length) await new Promise((r) => setTimeout(r, 20));
      Atomics.store(workerData.flag, 0, 1);
      Atomics.notify(workerData.flag, 0);
      await nc.close();
    })().catch((err) => { console.error(err); Atomics.store(workerData.flag, 0, 2); Atomics.notify(workerData.flag, 0); });
  `;
  const worker = new Worker(code, { eval: true, workerData: { ...o, modules, messages, flag } });
  await new Promise<void>((resolve, reject) => {
    worker.once('exit', () => resolve());
    worker.once('error', reject);
  });
}

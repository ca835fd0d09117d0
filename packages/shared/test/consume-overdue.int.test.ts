import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNats, waitFor, type TestNats } from '@canvas-sync/testkit';
import type { RunningConsumer } from '@canvas-sync/shared';
import { consumeSyncRequested, requestSync } from './support/sync-requested.support.js';

const SYNC = '5b0e3a55-0c55-4c1e-9d42-2f3f1b6f7a02';

/**
 * Regression (issue 14): past `maxHandlerMs` the consumer only stopped its heartbeats, so the
 * message was redelivered while the first copy's work still ran. The handler's signal now aborts.
 */
describe('consume: a handler past maxHandlerMs is told to stop', () => {
  let nats: TestNats;
  let consumer: RunningConsumer | undefined;
  beforeAll(async () => {
    nats = await createTestNats();
  });
  afterAll(async () => {
    await consumer?.stop(2_000);
    await nats.close();
  });

  it('aborts ctx.signal once the handler has run past maxHandlerMs', async () => {
    const stopped: string[] = [];
    consumer = consumeSyncRequested(
      nats,
      async (_p, ctx) => {
        // Work that only ends when told to (a hostile Canvas trickling forever).
        await new Promise<void>((resolve) => ctx.signal?.addEventListener('abort', () => resolve(), { once: true }));
        stopped.push(String((ctx.signal?.reason as Error).message));
      },
      { ackWaitMs: 3_000, maxHandlerMs: 1_000 },
    );
    await requestSync(nats, SYNC);
    await waitFor(async () => stopped.length >= 1, 15_000, 'the overdue handler to be aborted');
    expect(stopped[0]).toMatch(/longer than 1000 ms/);
  });
});

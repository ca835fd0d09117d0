import { pino } from 'pino';
import type { TestNats } from '@canvas-sync/testkit';
import { on, publish, startConsumer, syncRequested, type ConsumerOptions, type HandlerResult, type MessageContext, type PayloadOf, type RunningConsumer } from '@canvas-sync/shared';

/** The fetcher's durable on SYNC_WORK, which the consume tests drive. */
export const DURABLE = 'fetcher-sync-requested';

/**
 * The fetcher's `syncRequested` consumer on a test's own NATS: its one route to `handle`, one
 * message at a time, a 30 s ack wait, 5 deliveries, a silent logger. `options` overrides any of
 * it (`js` too: a test may hand in its own connection's client).
 */
export function consumeSyncRequested(
  nats: TestNats,
  handle: (payload: PayloadOf<typeof syncRequested>, ctx: MessageContext) => Promise<HandlerResult>,
  options: Partial<ConsumerOptions> = {},
): RunningConsumer {
  return startConsumer({
    js: nats.js,
    ns: nats.ns,
    stream: nats.ns.stream('SYNC_WORK'),
    durable: DURABLE,
    routes: [on(syncRequested, handle)],
    concurrency: 1,
    ackWaitMs: 30_000,
    maxDeliver: 5,
    logger: pino({ level: 'silent' }),
    ...options,
  });
}

/** Publishes one `syncRequested` of `syncId` (user `u1`, run 0, correlated by the sync id unless told otherwise). */
export function requestSync(nats: TestNats, syncId: string, message: { userId?: string; run?: number; id?: string; correlationId?: string } = {}) {
  const { userId = 'u1', run = 0, id, correlationId = syncId } = message;
  return publish(nats.js, nats.ns, syncRequested, { syncId, userId, run }, { id, correlationId });
}

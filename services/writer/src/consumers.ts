import type { JetStreamClient } from '@nats-io/jetstream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { ACK_WAIT_MS, DURABLES, on, startConsumer, syncPlanned, syncRecords, syncStatus, type Database, type Namespace } from '@canvas-sync/shared';
import { plannedHandler } from './plan/planned.handler.js';
import { progressPublisher } from './progress/progress.publisher.js';
import { recordsHandler } from './records/records.handler.js';
import { statusHandler } from './status/status.handler.js';
import { startOutboxRelay, type RelayOptions } from './outbox/outbox-relay.js';
import { startStallWatchdog, type WatchdogOptions } from './watchdog/stall-watchdog.js';
import type { WriterMetrics } from './writer-metrics.js';

export interface WriterWiring {
  js: JetStreamClient;
  ns: Namespace;
  db: Kysely<Database>;
  logger: Logger;
  concurrency: number;
  metrics: WriterMetrics;
  watchdog: WatchdogOptions;
  outbox: RelayOptions;
}

/** Starts the results consumer, the outbox relay and the stall watchdog; returns how to stop them. */
export function startWriterConsumers(w: WriterWiring): { stop(deadlineMs: number): Promise<void> } {
  const relay = startOutboxRelay({ db: w.db, js: w.js, ns: w.ns, logger: w.logger }, w.outbox);
  const progress = progressPublisher(w.js, w.ns, w.logger);
  // Every committed sync change may have written events: the relay looks at once, not at its next poll.
  const publishProgress: typeof progress = async (row, traceparent) => {
    relay.wake();
    await progress(row, traceparent);
  };
  const deps = { db: w.db, publishProgress, metrics: w.metrics, committed: () => relay.wake() };
  const consumer = startConsumer({
    js: w.js,
    ns: w.ns,
    logger: w.logger,
    stream: w.ns.stream('SYNC_RESULTS'),
    durable: DURABLES.writer,
    routes: [on(syncRecords, recordsHandler(deps)), on(syncPlanned, plannedHandler(deps)), on(syncStatus, statusHandler(deps))],
    concurrency: w.concurrency,
    ackWaitMs: ACK_WAIT_MS.writer,
    maxDeliver: 20,
  });
  const watchdog = startStallWatchdog({ db: w.db, js: w.js, ns: w.ns, logger: w.logger, publishProgress, metrics: w.metrics }, w.watchdog);
  return {
    async stop(deadlineMs) {
      watchdog.stop();
      await consumer.stop(deadlineMs);
      await relay.stop();
    },
  };
}

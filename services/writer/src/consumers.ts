import type { JetStreamClient } from '@nats-io/jetstream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { ACK_WAIT_MS, DURABLES, on, startConsumer, syncPlanned, syncRecords, syncStatus, type Database, type Namespace } from '@canvas-sync/shared';
import { plannedHandler } from './plan/planned.handler.js';
import { progressPublisher } from './progress/progress.publisher.js';
import { recordsBatcher } from './records/records-batcher.js';
import { statusHandler } from './status/status.handler.js';
import { startOutboxRelay, type RelayOptions } from './outbox/outbox-relay.js';
import { startStallWatchdog, type WatchdogOptions } from './watchdog/stall-watchdog.js';
import type { WriterMetrics } from './writer-metrics.js';

export interface WriterWiring {
  js: JetStreamClient;
  ns: Namespace;
  db: Kysely<Database>;
  logger: Logger;
  /** Transactions written at once. */
  concurrency: number;
  /** Records parts per transaction (1 = one each). */
  batchParts: number;
  metrics: WriterMetrics;
  watchdog: WatchdogOptions;
  outbox: RelayOptions;
}

const PULL_PER_SLOT = 2;

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
  // Group commit: while every slot's transaction runs, the next parts are already pulled and
  // queued, and a slot that frees takes them all (up to batchParts) into one transaction. Pulling
  // PULL_PER_SLOT messages per slot keeps that queue fed while bounding what is held un-acked
  // (messages of ≤ 512 KB; the memory bench checks the writer's peak).
  const pull = w.batchParts > 1 ? w.concurrency * PULL_PER_SLOT : w.concurrency;
  const consumer = startConsumer({
    js: w.js,
    ns: w.ns,
    logger: w.logger,
    stream: w.ns.stream('SYNC_RESULTS'),
    durable: DURABLES.writer,
    routes: [on(syncRecords, recordsBatcher(deps, { maxParts: w.batchParts, slots: w.concurrency })), on(syncPlanned, plannedHandler(deps)), on(syncStatus, statusHandler(deps))],
    concurrency: pull,
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

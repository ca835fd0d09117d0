import type { JetStreamClient } from '@nats-io/jetstream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { ACK_WAIT_MS, DURABLES, on, startConsumer, syncPlanned, syncRecords, syncStatus, type Database, type Namespace } from '@canvas-sync/shared';
import { plannedHandler } from './plan/planned.handler.js';
import { progressPublisher } from './progress/progress.publisher.js';
import { recordsHandler } from './records/records.handler.js';
import { statusHandler } from './status/status.handler.js';
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
}

/** Starts the results consumer and the stall watchdog; returns how to stop them. */
export function startWriterConsumers(w: WriterWiring): { stop(deadlineMs: number): Promise<void> } {
  const publishProgress = progressPublisher(w.js, w.ns, w.logger);
  const deps = { db: w.db, publishProgress, metrics: w.metrics };
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
    },
  };
}

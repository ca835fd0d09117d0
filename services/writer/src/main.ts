/** Composition root of the writer: config → logger → Postgres + NATS → consumers → health → ready. */
import { createLogger, createServiceMetrics, DURABLES, jetStreamLagSource, openRuntime, runMain, Shutdown, startHealthServer, type Resource } from '@canvas-sync/shared';
import { Gauge } from 'prom-client';
import { loadWriterConfig } from './config.js';
import { outboxBacklog } from './outbox/outbox.repository.js';
import { startWriterConsumers } from './consumers.js';
import { startWebhookDispatcher, WEBHOOK_DURABLE } from './webhooks/webhook-dispatcher.js';
import { webhookMetrics } from './webhooks/webhook-metrics.js';

runMain('writer', async () => {
  const config = loadWriterConfig(process.env);
  const logger = createLogger({ service: 'writer', level: config.log.level, pretty: config.log.pretty });
  const shutdown = new Shutdown(logger, config.shutdownTimeoutMs);
  shutdown.listen();
  const runtime = await openRuntime('writer', config, logger, shutdown);
  // Handlers count rows and write latency; JetStream lag is read per scrape.
  const metrics = createServiceMetrics({ service: 'writer' });
  const webhookDurable = config.webhooks ? [{ stream: runtime.ns.stream('CANVAS_EVENTS'), durable: WEBHOOK_DURABLE }] : [];
  metrics.watchConsumers(jetStreamLagSource(runtime.nc, runtime.ns, [DURABLES.writer], webhookDurable));
  const health = await startHealthServer({ port: config.healthPort, checks: runtime.checks, isShuttingDown: () => shutdown.inProgress, metrics: metrics.scrape, readinessDetail: true, logger });
  shutdown.add('health', () => new Promise<void>((resolve) => health.close(() => resolve())));
  const consumers = startWriterConsumers({
    ...runtime,
    logger,
    concurrency: config.concurrency,
    batchParts: config.batchParts,
    metrics: {
      rowsWritten: (resource, n) => metrics.rowsWritten.inc({ resource: resource as Resource }, n),
      writeSeconds: (seconds) => metrics.writeSeconds.observe(seconds),
      syncFinished: (outcome) => metrics.syncs.inc({ outcome }),
    },
    watchdog: config.watchdog,
    outbox: config.outbox,
  });
  // Read per scrape: how far the relay is behind (every replica reports the same shared figure).
  // Read per scrape (the figure is shared by every replica); a failed read keeps the last value.
  const backlog = () => outboxBacklog(runtime.db).catch(() => undefined);
  new Gauge({
    name: 'canvas_sync_outbox_backlog',
    help: 'Change events written but not yet published to CANVAS_EVENTS.',
    registers: [metrics.registry],
    async collect() {
      const b = await backlog();
      if (b) this.set(b.count);
    },
  });
  new Gauge({
    name: 'canvas_sync_outbox_oldest_seconds',
    help: 'Age of the oldest unpublished change event (0 when none).',
    registers: [metrics.registry],
    async collect() {
      const b = await backlog();
      if (b) this.set(b.oldestSeconds);
    },
  });

  shutdown.add('consumers', () => consumers.stop(config.shutdownTimeoutMs - 2_000));
  if (config.webhooks) {
    // Off unless WEBHOOK_URL is set: then every replica pulls the one durable, sharing the work.
    const webhooks = await startWebhookDispatcher({ js: runtime.js, ns: runtime.ns, logger, config: config.webhooks, metrics: webhookMetrics(metrics.registry) });
    // A POST cut off here is sent again after its ack deadline (at least once); keep most of the budget for the rows.
    shutdown.add('webhooks', () => webhooks.stop(Math.min(5_000, config.shutdownTimeoutMs / 4)));
  }
  logger.info({ healthPort: config.healthPort }, 'writer ready');
});

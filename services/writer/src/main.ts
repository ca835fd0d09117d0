/** Composition root of the writer: config → logger → Postgres + NATS → consumers → health → ready. */
import { createLogger, createServiceMetrics, DURABLES, jetStreamLagSource, openRuntime, runMain, Shutdown, startHealthServer, type Resource } from '@canvas-sync/shared';
import { loadWriterConfig } from './config.js';
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
    metrics: {
      rowsWritten: (resource, n) => metrics.rowsWritten.inc({ resource: resource as Resource }, n),
      writeSeconds: (seconds) => metrics.writeSeconds.observe(seconds),
      syncFinished: (outcome) => metrics.syncs.inc({ outcome }),
    },
    watchdog: config.watchdog,
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

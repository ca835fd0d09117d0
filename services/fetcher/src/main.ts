/** Composition root of the fetcher: config → logger → Postgres + NATS → consumers → health → ready. */
import { createLogger, createServiceMetrics, DURABLES, jetStreamLagSource, openRuntime, runMain, Shutdown, startHealthServer } from '@canvas-sync/shared';
import { loadFetcherConfig } from './config.js';

runMain('fetcher', async () => {
  const config = loadFetcherConfig(process.env);
  const logger = createLogger({ service: 'fetcher', level: config.log.level, pretty: config.log.pretty });
  const shutdown = new Shutdown(logger, config.shutdownTimeoutMs);
  shutdown.listen();
  const runtime = await openRuntime('fetcher', config, logger, shutdown);
  // Handlers count into `metrics` (syncs, Canvas requests, rows...); JetStream lag is read per scrape.
  const metrics = createServiceMetrics({ service: 'fetcher' });
  metrics.watchConsumers(jetStreamLagSource(runtime.nc, runtime.ns, [DURABLES.planner, DURABLES.fetcher]));
  const health = await startHealthServer({ port: config.healthPort, checks: runtime.checks, isShuttingDown: () => shutdown.inProgress, metrics: metrics.scrape });
  shutdown.add('health', () => new Promise<void>((resolve) => health.close(() => resolve())));
  logger.info({ healthPort: config.healthPort }, 'fetcher ready');
});

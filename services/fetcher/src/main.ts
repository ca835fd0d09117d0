/** Composition root of the fetcher: config → logger → Postgres + NATS → consumers → health → ready. */
import { createLogger, openRuntime, runMain, Shutdown, startHealthServer } from '@canvas-sync/shared';
import { loadFetcherConfig } from './config.js';

runMain('fetcher', async () => {
  const config = loadFetcherConfig(process.env);
  const logger = createLogger({ service: 'fetcher', level: config.log.level, pretty: config.log.pretty });
  const shutdown = new Shutdown(logger, config.shutdownTimeoutMs);
  shutdown.listen();
  const runtime = await openRuntime('fetcher', config, logger, shutdown);
  const health = await startHealthServer({ port: config.healthPort, checks: runtime.checks, isShuttingDown: () => shutdown.inProgress });
  shutdown.add('health', () => new Promise<void>((resolve) => health.close(() => resolve())));
  logger.info({ healthPort: config.healthPort }, 'fetcher ready');
});

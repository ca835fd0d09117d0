/** Composition root of the notifier: config → logger → Postgres + NATS → HTTP server → ready. */
import { createLogger, openRuntime, runMain, Shutdown } from '@canvas-sync/shared';
import { buildApp } from './app.js';
import { loadNotifierConfig } from './config.js';

runMain('notifier', async () => {
  const config = loadNotifierConfig(process.env);
  const logger = createLogger({ service: 'notifier', level: config.log.level, pretty: config.log.pretty });
  const shutdown = new Shutdown(logger, config.shutdownTimeoutMs);
  shutdown.listen();
  const runtime = await openRuntime('notifier', config, logger, shutdown);
  const app = await buildApp({ logger, checks: runtime.checks, isShuttingDown: () => shutdown.inProgress });
  await app.listen({ port: config.port, host: config.host });
  shutdown.add('http', () => app.close());
  logger.info({ port: config.port }, 'notifier ready');
});

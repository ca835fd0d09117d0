/** Composition root of the api: config → logger → Postgres + NATS → HTTP server → ready. */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createLogger, createServiceMetrics, createTokenCipher, openRuntime, runMain, Shutdown, startHealthServer } from '@canvas-sync/shared';
import { buildApp } from './app.js';
import { loadApiConfig } from './config.js';
import { Scheduler } from './schedules/scheduler.js';
import { schedulerMetrics } from './schedules/scheduler-metrics.js';
import { createSchedulerPorts } from './schedules/scheduler-ports.js';
import { createSyncPorts } from './syncs/sync-ports.js';

runMain('api', async () => {
  const config = loadApiConfig(process.env);
  const logger = createLogger({ service: 'api', level: config.log.level, pretty: config.log.pretty });
  if (config.auth.usingDevSecret) logger.warn('AUTH_JWT_SECRET is not set: using the public dev secret; anyone can sign tokens. Set it outside the demo.');
  if (config.tokenKeys.usingDevKey) logger.warn('Canvas tokens are encrypted with the public dev key (TOKEN_ENCRYPTION_KEY unset or set to it); production refuses it. Set a key of your own.');
  if (config.canvas.allowPrivateNetwork) logger.warn('CANVAS_ALLOW_PRIVATE_NETWORK is on: users may point Canvas URLs at private addresses.');
  const shutdown = new Shutdown(logger, config.shutdownTimeoutMs);
  shutdown.listen();
  const runtime = await openRuntime('api', config, logger, shutdown);
  const metrics = createServiceMetrics({ service: 'api' });
  const app = await buildApp({
    logger,
    checks: runtime.checks,
    isShuttingDown: () => shutdown.inProgress,
    db: runtime.db,
    nc: runtime.nc,
    js: runtime.js,
    ns: runtime.ns,
    cipher: createTokenCipher(config.tokenKeys),
    auth: config.auth,
    canvas: config.canvas,
    corsOrigins: config.corsOrigins,
    rateLimitPerMinute: config.rateLimitPerMinute,
    oauth: config.oauth,
    schedule: config.schedule,
    metrics,
  });
  await app.listen({ port: config.port, host: config.host });
  shutdown.add('http', () => app.close());
  if (config.metricsPort !== undefined) {
    // Operators only (Prometheus, on-call): metrics and readiness with error texts, off the public port.
    const ops = await startHealthServer({ port: config.metricsPort, host: config.host, checks: runtime.checks, isShuttingDown: () => shutdown.inProgress, metrics: () => metrics.scrape(), readinessDetail: true, logger });
    shutdown.add('metrics server', () => new Promise<void>((resolve) => ops.close(() => resolve())));
  }
  if (config.schedule.enabled) {
    // Every replica runs it; the lease lets one start syncs (schedules/leader-lease.ts). Stopped before the pool closes (LIFO).
    const syncPorts = createSyncPorts({ db: runtime.db, nc: runtime.nc, js: runtime.js, ns: runtime.ns, logger, metrics });
    const scheduler = new Scheduler({ ports: createSchedulerPorts(runtime.db, syncPorts, config.schedule), config: config.schedule, logger: logger.child({ component: 'scheduler' }), metrics: schedulerMetrics(metrics.registry), holder: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}` });
    scheduler.start();
    shutdown.add('scheduler', () => scheduler.stop());
  }
  logger.info({ port: config.port, metricsPort: config.metricsPort }, 'api ready');
});

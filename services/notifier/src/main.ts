/** Composition root of the notifier: config → logger → Postgres + NATS → progress feed → HTTP/WebSocket server → ready. */
import { createLogger, openRuntime, runMain, Shutdown, startHealthServer } from '@canvas-sync/shared';
import { buildApp } from './app.js';
import { createUserTokenVerifier } from './auth/user-token.verifier.js';
import { loadNotifierConfig } from './config.js';
import { createNotifierMetrics } from './metrics/notifier.metrics.js';
import { startProgressFeed } from './progress/progress.feed.js';
import { startProgressReconciler } from './progress/progress.reconciler.js';
import { createSyncsRepository } from './syncs/syncs.repository.js';
import { SyncViews } from './syncs/sync-views.js';
import { SessionHub } from './ws/session-hub.js';

runMain('notifier', async () => {
  const config = loadNotifierConfig(process.env);
  const logger = createLogger({ service: 'notifier', level: config.log.level, pretty: config.log.pretty });
  if (config.auth.usingDevSecret) logger.warn('AUTH_JWT_SECRET is not set; accepting tokens signed with the public dev secret');
  const shutdown = new Shutdown(logger, config.shutdownTimeoutMs);
  shutdown.listen();
  const runtime = await openRuntime('notifier', config, logger, shutdown);

  const syncs = createSyncsRepository(runtime.db);
  const views = new SyncViews(syncs);
  const hub = new SessionHub(config.ws.maxConnectionsPerUser, (event) => views.etaFor(event), logger);
  const metrics = createNotifierMetrics(() => hub.stats());
  const feed = await startProgressFeed({ js: runtime.js, ns: runtime.ns, logger, onEvent: (event) => hub.publish(event) });
  shutdown.add('progress feed', () => feed.stop());
  const reconciler = startProgressReconciler({
    unfinished: () => hub.unfinished(),
    findNewer: (seqs) => syncs.findNewer(seqs),
    publish: (event) => hub.publish(event),
    intervalMs: config.progressReconcileMs,
    logger,
  });
  shutdown.add('progress catch-up', () => reconciler.stop());

  const app = await buildApp({
    logger,
    checks: runtime.checks,
    isShuttingDown: () => shutdown.inProgress,
    ws: { config: config.ws, verify: createUserTokenVerifier(config.auth), views, hub, onCoalesced: () => metrics.framesCoalesced.inc() },
  });
  await app.listen({ port: config.port, host: config.host });
  // Closing the server closes every socket with 1001 (going away); browsers reconnect to another replica.
  shutdown.add('http', () => app.close());
  if (config.metricsPort !== undefined) {
    // Operators only (Prometheus, on-call): metrics and readiness with error texts, off the public port.
    const scrape = async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() });
    const ops = await startHealthServer({ port: config.metricsPort, host: config.host, checks: runtime.checks, isShuttingDown: () => shutdown.inProgress, metrics: scrape, readinessDetail: true, logger });
    shutdown.add('metrics server', () => new Promise<void>((resolve) => ops.close(() => resolve())));
  }
  logger.info({ port: config.port, metricsPort: config.metricsPort }, 'notifier ready');
});

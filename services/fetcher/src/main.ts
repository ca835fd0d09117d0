/** Composition root of the fetcher: config → logger → Postgres + NATS → Canvas client → consumers → health → ready. */
import {
  createLogger,
  createServiceMetrics,
  createTokenCipher,
  DURABLES,
  jetStreamLagSource,
  openRuntime,
  runMain,
  Shutdown,
  startHealthServer,
  statusClassOf,
} from '@canvas-sync/shared';
import { budgetLimits } from './budget/budget-policy.js';
import { kvBudgetStore } from './budget/kv-budget-store.js';
import { createTokenBudget } from './budget/token-budget.js';
import { DEFAULT_BREAKER, HostBreakers } from './breaker/host-breakers.js';
import { CanvasClient } from './canvas/canvas.client.js';
import { createGuardedFetch } from './canvas/guarded-fetch.js';
import { loadFetcherConfig } from './config.js';
import { startFetcherConsumers } from './consumers.js';
import { sessionFactory } from './syncs/session-factory.js';
import { createTokenHolders } from './syncs/token-renewal.js';

runMain('fetcher', async () => {
  const config = loadFetcherConfig(process.env);
  const logger = createLogger({ service: 'fetcher', level: config.log.level, pretty: config.log.pretty });
  if (config.tokenKeys.usingDevKey) logger.warn('Canvas tokens are decrypted with the public dev key (TOKEN_ENCRYPTION_KEY unset or set to it); production refuses it. Set a key of your own.');
  const shutdown = new Shutdown(logger, config.shutdownTimeoutMs);
  shutdown.listen();
  const runtime = await openRuntime('fetcher', config, logger, shutdown);
  // JetStream lag is read per scrape; the Canvas client counts requests, throttles and pages.
  const metrics = createServiceMetrics({ service: 'fetcher' });
  metrics.watchConsumers(jetStreamLagSource(runtime.nc, runtime.ns, [DURABLES.planner, DURABLES.fetcher]));

  const budget = createTokenBudget(await kvBudgetStore(runtime.nc, runtime.ns.bucket('TOKEN_BUDGET')), budgetLimits(config.canvas.maxInFlight, config.canvas.timeoutMs));
  const breakers = new HostBreakers(
    { ...DEFAULT_BREAKER, resetTimeoutMs: config.canvas.breakerResetMs, maxHosts: config.canvas.maxBreakerHosts, idleMs: config.canvas.breakerIdleMs },
    (host, state) => {
      metrics.setBreakerState(host, state);
      logger.warn({ state }, 'canvas circuit changed');
    },
    (host) => metrics.removeBreaker(host),
  );
  shutdown.add('breakers', () => breakers.shutdown());
  if (config.canvas.allowPrivateNetwork) logger.warn('CANVAS_ALLOW_PRIVATE_NETWORK is on: Canvas requests may reach loopback and private addresses');
  const policy = { allowedHosts: config.canvas.allowedHosts, allowPrivateNetwork: config.canvas.allowPrivateNetwork };
  const guardedFetch = createGuardedFetch(policy);
  shutdown.add('canvas connections', () => guardedFetch.close());
  const canvas = new CanvasClient({
    policy,
    fetchImpl: guardedFetch.fetch,
    budget,
    breakers,
    logger,
    userAgent: config.canvas.userAgent,
    timeoutMs: config.canvas.timeoutMs,
    maxUnavailableRetries: 3,
    maxThrottleRetries: 50,
    limits: config.limits.canvas,
    hooks: {
      onResponse: (status) => metrics.canvasRequests.inc({ status_class: statusClassOf(status) }),
      onThrottle: () => metrics.canvasThrottles.inc(),
      onPage: () => metrics.pagesFetched.inc(),
    },
  });

  // OAuth connections: access tokens renewed before expiry and after a 401, one renewal per connection across replicas.
  const cipher = createTokenCipher(config.tokenKeys);
  const tokenHolders = createTokenHolders({ db: runtime.db, cipher, clients: config.oauthClients, fetch: guardedFetch.fetch, policy, userAgent: config.canvas.userAgent, logger });

  const health = await startHealthServer({ port: config.healthPort, checks: runtime.checks, isShuttingDown: () => shutdown.inProgress, metrics: metrics.scrape, readinessDetail: true, logger });
  shutdown.add('health', () => new Promise<void>((resolve) => health.close(() => resolve())));
  const consumers = startFetcherConsumers({
    ...runtime,
    canvas,
    openSession: sessionFactory(runtime.db, cipher, tokenHolders),
    logger,
    concurrency: config.concurrency,
    unitsPerUser: config.unitsPerUser,
    courseConcurrency: config.courseConcurrency,
    plannerPerUser: config.plannerPerUser,
    work: config.limits.work,
    syncLimits: config.limits.sync,
  });
  shutdown.add('consumers', () => consumers.stop(config.shutdownTimeoutMs - 2_000));
  logger.info({ healthPort: config.healthPort }, 'fetcher ready');
});

import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import {
  AppError,
  createCanvasOAuthClient,
  createJwtVerifier,
  createServiceMetrics,
  readinessAnswer,
  renewConnectionToken,
  runReadiness,
  usableConnectionToken,
  type CanvasOAuthClient,
  type ConnectionTokenPorts,
  type CanvasUrlPolicy,
  type Database,
  type HostResolver,
  type JwtVerifierOptions,
  type Namespace,
  type ReadinessCheck,
  type RenewRequest,
  type ServiceMetrics,
  type TokenCipher,
} from '@canvas-sync/shared';
import { requireUser } from './auth/auth.hook.js';
import { createCanvasSelfClient, type CanvasSelfClient } from './canvas/canvas-self.client.js';
import { canvasDataStore } from './canvas-data/canvas-data.repository.js';
import { canvasDataRoutes } from './canvas-data/canvas-data.routes.js';
import { changeFeedStore } from './changes/changes.repository.js';
import { changesRoutes } from './changes/changes.routes.js';
import { connectionStore } from './connections/connections.repository.js';
import { connectionsRoutes } from './connections/connections.routes.js';
import { connectionGrantStore } from './connections/connection-grants.repository.js';
import { createGuardedHttpFetch } from './canvas/guarded-http-fetch.js';
import { toOAuthConfig, type ApiOAuthConfig } from './oauth/oauth.config.js';
import { oauthStateStore } from './oauth/oauth-states.repository.js';
import { oauthCallbackRoutes, oauthStartRoutes } from './oauth/oauth.routes.js';
import { oauthOptionsRoutes } from './oauth-options/oauth-options.routes.js';
import type { OAuthPorts } from './oauth/oauth.service.js';
import { installErrorHandling } from './errors/error-handler.js';
import { installJsonParser } from './http/json-parser.js';
import { installSecurityHeaders } from './http/security-headers.js';
import { instrumentRequests } from './metrics/api-metrics.js';
import { createSyncPorts } from './syncs/sync-ports.js';
import { findActiveSync } from './syncs/syncs.repository.js';
import { DEFAULT_SCHEDULE_CONFIG, type ScheduleConfig } from './schedules/schedule.config.js';
import { scheduleStore } from './schedules/schedules.repository.js';
import { scheduleRoutes } from './schedules/schedules.routes.js';
import { syncsRoutes } from './syncs/syncs.routes.js';
import { loadPanelOptions } from './panel/panel.config.js';
import { panelPlugin } from './panel/panel.plugin.js';

/** What the api app needs from the outside world; main.ts opens it, tests hand in their own. */
export interface ApiDeps {
  logger: Logger;
  checks: ReadinessCheck[];
  isShuttingDown(): boolean;
  db: Kysely<Database>;
  nc: NatsConnection;
  js: JetStreamClient;
  /** Subject/stream namespace (tests use a fresh one each). */
  ns: Namespace;
  cipher: TokenCipher;
  /** User tokens: HS256 with a shared secret, or RS256/ES256 from a JWKS URL. */
  auth: JwtVerifierOptions;
  canvas: CanvasUrlPolicy;
  /** Allowed CORS origins; empty or absent = CORS closed. */
  corsOrigins?: readonly string[];
  /** Requests per minute per user on `/api`; absent = 300. */
  rateLimitPerMinute?: number;
  /** The process's metrics registry; tests get a fresh one without process metrics. */
  metrics?: ServiceMetrics;
  /** Overrides for tests: DNS for the URL policy, the Canvas client of "test connection". */
  resolve?: HostResolver;
  canvasSelf?: CanvasSelfClient;
  /** Canvas OAuth2 (PUBLIC_URL, developer keys, CANVAS_PERSONAL_TOKENS); absent = no keys, pasted tokens allowed. */
  oauth?: ApiOAuthConfig;
  /** Overrides the client of Canvas's token endpoint (tests). */
  oauthClient?: CanvasOAuthClient;
  /** Schedules (the minimum interval, the deployment default); absent = contract bounds, no default. */
  schedule?: ScheduleConfig;
}

/** Fixed per release; Canvas asks API clients to identify themselves (CANVAS.md). */
const USER_AGENT = 'canvas-sync/0.1 (+https://github.com/canvas-sync)';
const BODY_LIMIT = 1024 * 1024;

/** Builds the api app without listening (tests use `inject()`). */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: BODY_LIMIT, trustProxy: false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installJsonParser(app);
  installErrorHandling(app);
  const panel = loadPanelOptions(process.env);
  await installSecurityHeaders(app, panel);
  const metrics = deps.metrics ?? createServiceMetrics({ service: 'api', defaultMetrics: false });
  await instrumentRequests(app, metrics);

  // CORS stays closed (no headers at all) unless origins are configured.
  if (deps.corsOrigins && deps.corsOrigins.length > 0) {
    await app.register(fastifyCors, { origin: [...deps.corsOrigins], methods: ['GET', 'PUT', 'POST', 'DELETE'], allowedHeaders: ['authorization', 'content-type'], maxAge: 600 });
  }
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'canvas-sync api', version: '1.0.0', description: 'Connect Canvas, start, watch, cancel and resume syncs. See README, "HTTP API".' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  app.get('/livez', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  // Public: ok/failed per check only. Error texts go to the log and to METRICS_PORT's /readyz.
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    const answer = readinessAnswer(await runReadiness(deps.checks, deps.isShuttingDown(), request.log));
    return reply.code(answer.status).send(answer.body);
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const verify = createJwtVerifier(deps.auth);
  const connections = connectionStore(deps.db);
  const syncPorts = createSyncPorts({ ...deps, metrics });
  // ── Canvas OAuth2 (issue 13) ────────────────────────────────────────────────────────────
  const oauthConfig = deps.oauth ?? toOAuthConfig({}, () => '', { port: 3000, demo: false });
  const oauthClient =
    deps.oauthClient ?? createCanvasOAuthClient({ fetch: createGuardedHttpFetch(deps.canvas, deps.resolve), userAgent: USER_AGENT, timeoutMs: 10_000 });
  const grants = connectionGrantStore(deps.db);
  const oauthPorts: OAuthPorts = {
    states: oauthStateStore(deps.db),
    grants,
    cipher: deps.cipher,
    oauth: oauthClient,
    clients: oauthConfig.clients,
    policy: deps.canvas,
    publicUrl: oauthConfig.publicUrl,
    redirectUri: oauthConfig.redirectUri,
    corsOrigins: deps.corsOrigins ?? [],
    logger: deps.logger,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
  };
  const disconnectPorts = { grants, findActiveSync: (userId: string) => findActiveSync(deps.db, userId), syncs: syncPorts, cipher: deps.cipher, oauth: oauthClient, logger: deps.logger };
  // ─────────────────────────────────────────────────────────────────────────────────────────
  const tokenPorts: ConnectionTokenPorts = { cipher: deps.cipher, oauth: oauthClient, clients: oauthConfig.clients };
  const connectionPorts = {
    connections,
    cipher: deps.cipher,
    policy: deps.canvas,
    canvasSelf: deps.canvasSelf ?? createCanvasSelfClient({ policy: deps.canvas, userAgent: USER_AGENT, ...(deps.resolve ? { resolve: deps.resolve } : {}) }),
    personalTokens: oauthConfig.personalTokens,
    renewal: {
      usable: (connectionId: string, userId: string, minValidityMs: number) => usableConnectionToken(deps.db, tokenPorts, connectionId, userId, minValidityMs),
      renew: (request: RenewRequest) => renewConnectionToken(deps.db, tokenPorts, request),
    },
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
  };

  await app.register(
    async (api) => {
      requireUser(api, verify);
      // Keyed by user after auth, so one user's flood never throttles another.
      await api.register(fastifyRateLimit, {
        max: deps.rateLimitPerMinute ?? 300,
        timeWindow: 60_000,
        hook: 'preHandler',
        keyGenerator: (request) => request.userId || request.ip,
        errorResponseBuilder: () => new AppError('rate_limited'),
      });
      // Answers carry personal data: never let a shared cache keep them.
      api.addHook('onSend', async (_request, reply) => void reply.header('cache-control', 'no-store'));
      await api.register(connectionsRoutes, { ports: connectionPorts, disconnectPorts });
      await api.register(oauthStartRoutes, { ports: oauthPorts });
      await api.register(oauthOptionsRoutes, { ports: { hosts: oauthConfig.clients.hosts, personalTokens: oauthConfig.personalTokens } });
      await api.register(syncsRoutes, { ports: syncPorts });
      await api.register(canvasDataRoutes, { store: canvasDataStore(deps.db) });
      await api.register(scheduleRoutes, { ports: { schedules: scheduleStore(deps.db), config: deps.schedule ?? DEFAULT_SCHEDULE_CONFIG } });
      await api.register(changesRoutes, { store: changeFeedStore(deps.db) });
    },
    { prefix: '/api/v1' },
  );

  // Canvas sends the browser back here without our bearer token: the single-use state is the proof.
  await app.register(
    async (publicApi) => {
      await publicApi.register(fastifyRateLimit, {
        max: deps.rateLimitPerMinute ?? 300,
        timeWindow: 60_000,
        errorResponseBuilder: () => new AppError('rate_limited'),
      });
      // Even an error answer here follows a URL with a code in it: never cached, never a Referer.
      publicApi.addHook('onSend', async (_request, reply) => void reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer'));
      await publicApi.register(oauthCallbackRoutes, { ports: oauthPorts });
    },
    { prefix: '/api/v1' },
  );

  // ── panel ─────────────────────────────────────────────────────────────────────────────────
  // The web sync panel (services/api/src/panel, owned by the notifier/panel work of issue 5).
  await app.register(panelPlugin, panel);
  // ──────────────────────────────────────────────────────────────────────────────────────────

  return app;
}

import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { runReadiness, type ReadinessCheck } from '@canvas-sync/shared';
import { registerWsRoutes, type WsRouteDeps } from './ws/ws.routes.js';

/** What the notifier app needs from the outside world. */
export interface NotifierDeps {
  logger: Logger;
  checks: ReadinessCheck[];
  isShuttingDown(): boolean;
  ws: WsRouteDeps;
  metrics?: Registry;
}

/** Builds the notifier app without listening (tests use `inject()` or listen on port 0). */
export async function buildApp(deps: NotifierDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  app.get('/livez', async () => ({ status: 'ok' }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const result = await runReadiness(deps.checks, deps.isShuttingDown());
    return reply.code(result.ready ? 200 : 503).send({ status: result.ready ? 'ready' : 'not ready', checks: result.checks });
  });
  const registry = deps.metrics;
  if (registry) {
    app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  }
  await registerWsRoutes(app, deps.ws);
  return app;
}

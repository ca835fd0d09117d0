import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { readinessAnswer, runReadiness, type ReadinessCheck } from '@canvas-sync/shared';
import { registerWsRoutes, type WsRouteDeps } from './ws/ws.routes.js';

/** What the notifier app needs from the outside world. */
export interface NotifierDeps {
  logger: Logger;
  checks: ReadinessCheck[];
  isShuttingDown(): boolean;
  ws: WsRouteDeps;
}

/** Builds the notifier app without listening (tests use `inject()` or listen on port 0). */
export async function buildApp(deps: NotifierDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  app.get('/livez', async () => ({ status: 'ok' }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  // Public: ok/failed per check only. Error texts go to the log, and with /metrics to METRICS_PORT (main.ts).
  app.get('/readyz', async (request, reply) => {
    const answer = readinessAnswer(await runReadiness(deps.checks, deps.isShuttingDown(), request.log));
    return reply.code(answer.status).send(answer.body);
  });
  await registerWsRoutes(app, deps.ws);
  return app;
}

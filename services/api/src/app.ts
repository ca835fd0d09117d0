import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { runReadiness, type ReadinessCheck } from '@canvas-sync/shared';

/** What the api app needs from the outside world. */
export interface ApiDeps {
  logger: Logger;
  checks: ReadinessCheck[];
  isShuttingDown(): boolean;
}

/** Builds the api app without listening (tests use `inject()`). */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  app.get('/livez', async () => ({ status: 'ok' }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const result = await runReadiness(deps.checks, deps.isShuttingDown());
    return reply.code(result.ready ? 200 : 503).send({ status: result.ready ? 'ready' : 'not ready', checks: result.checks });
  });
  return app;
}

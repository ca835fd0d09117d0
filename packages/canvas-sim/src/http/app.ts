import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { SimControl } from '../control/sim-control.js';
import { registerControlRoutes } from '../control/control.routes.js';
import { CANVAS_ROUTES } from '../routes/canvas.routes.js';
import { notFound } from './canvas-errors.js';
import type { CanvasPipeline } from './pipeline.js';
import type { CanvasRoute } from './route-context.js';

/** Builds the fastify app without listening (tests may `inject()`), Canvas routes plus `/__sim`. */
export function buildApp(control: SimControl, pipeline: CanvasPipeline, logger: boolean): FastifyInstance {
  const app = Fastify({
    logger: logger ? { level: 'info', stream: process.stderr } : false,
    // Hung requests must not keep close() waiting: drop every socket when the sim closes.
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  const serve = (endpoint: string, route: CanvasRoute) => async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.hijack();
    await pipeline.handle(
      { raw: req.raw, res: reply.raw, url: req.url, ip: req.ip, params: (req.params ?? {}) as Record<string, string>, endpoint },
      route,
    );
  };
  for (const [path, route] of CANVAS_ROUTES) app.get(path, serve(`GET ${path}`, route));
  // Unknown API paths still go through auth and the throttle, as on Canvas, then 404.
  app.get('/api/v1/*', serve('GET /api/v1/*', () => notFound()));
  registerControlRoutes(app, control);
  return app;
}

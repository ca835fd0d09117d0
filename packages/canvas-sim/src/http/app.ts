import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { SimControl } from '../control/sim-control.js';
import { registerControlRoutes } from '../control/control.routes.js';
import { CANVAS_ROUTES } from '../routes/canvas.routes.js';
import { notFound } from './canvas-errors.js';
import type { CanvasPipeline } from './pipeline.js';
import type { CanvasRoute } from './route-context.js';
import { redactUrl } from './redact.js';
import { registerOAuthRoutes } from '../oauth/oauth.routes.js';
import type { OAuthStore } from '../oauth/oauth.store.js';

/** Builds the fastify app without listening (tests may `inject()`), Canvas routes plus `/__sim`. */
export function buildApp(control: SimControl, pipeline: CanvasPipeline, oauth: OAuthStore, outage: () => boolean, logger: boolean): FastifyInstance {
  const app = Fastify({
    logger: logger ? { level: 'info', stream: process.stderr, serializers: { req: (req: FastifyRequest) => ({ method: req.method, url: redactUrl(req.url) }) } } : false,
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
  // The consent page's forms post form-encoded bodies, and so do OAuth clients at the token endpoint.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  registerOAuthRoutes(app, oauth, outage);
  registerControlRoutes(app, control);
  return app;
}


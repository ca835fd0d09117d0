import type { ServiceMetrics } from './service-metrics.js';

/** Options for {@link metricsPlugin}. */
export interface MetricsPluginOptions {
  metrics: Pick<ServiceMetrics, 'scrape'>;
  /** Where to serve the text; `/metrics` by default. */
  path?: string;
}

/** The part of a fastify reply the route uses. */
interface MetricsReply {
  header(name: string, value: string): MetricsReply;
  send(body: string): unknown;
}

/** The part of a fastify instance the plugin uses (keeps fastify out of shared's dependencies). */
interface RouteHost {
  get(path: string, handler: (request: unknown, reply: MetricsReply) => Promise<unknown>): unknown;
}

/**
 * A fastify plugin serving Prometheus text from a service's registry:
 * `await app.register(metricsPlugin, { metrics })`. Like `/livez`, it needs no auth: keep the
 * port off the public ingress, or let the ingress refuse `/metrics`.
 */
export async function metricsPlugin(app: RouteHost, options: MetricsPluginOptions): Promise<void> {
  app.get(options.path ?? '/metrics', async (_request, reply) => {
    const { contentType, body } = await options.metrics.scrape();
    return reply.header('content-type', contentType).send(body);
  });
}

import type { FastifyInstance } from 'fastify';
import { Histogram } from 'prom-client';
import type { ServiceMetrics } from '@canvas-sync/shared';

/**
 * Times every request by route pattern (never the raw URL: ids would explode the label set) on
 * the service's registry. `/metrics` is not served here, on the public port, but on
 * `METRICS_PORT` (main.ts), where only operators reach it.
 */
export async function instrumentRequests(app: FastifyInstance, metrics: ServiceMetrics): Promise<void> {
  const duration = new Histogram({
    name: 'canvas_sync_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

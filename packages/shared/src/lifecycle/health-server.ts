import { createServer, type Server } from 'node:http';
import { readinessAnswer, runReadiness, type ReadinessCheck, type ReadinessLogger } from './readiness.js';

/** Options for {@link startHealthServer}. */
export interface HealthServerOptions {
  port: number;
  host?: string;
  checks: ReadinessCheck[];
  isShuttingDown(): boolean;
  /** Prometheus text for `/metrics`, when the service exposes metrics. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** `/readyz` adds each failed check's error text: only on a port no client reaches. */
  readinessDetail?: boolean;
  /** Where failed readiness checks are logged. */
  logger?: ReadinessLogger;
}

/**
 * The small HTTP server for operators: the fetcher's and writer's only one (`HEALTH_PORT`), and the
 * api's and notifier's second one (`METRICS_PORT`), off their public port. `/livez` and `/healthz`
 * say the process runs, `/readyz` checks NATS and Postgres, `/metrics` serves Prometheus text.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: { code: 'method_not_allowed', message: 'GET only' } });
    if (path === '/livez' || path === '/healthz') return send(200, { status: 'ok' });
    if (path === '/readyz') {
      void runReadiness(options.checks, options.isShuttingDown(), options.logger).then((r) => {
        const answer = readinessAnswer(r, options.readinessDetail);
        send(answer.status, answer.body);
      });
      return;
    }
    if (path === '/metrics' && options.metrics) {
      void options.metrics().then(
        (m) => send(200, m.body, m.contentType),
        () => send(500, { error: { code: 'internal', message: 'metrics unavailable' } }),
      );
      return;
    }
    send(404, { error: { code: 'not_found', message: 'Not found.' } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return server;
}

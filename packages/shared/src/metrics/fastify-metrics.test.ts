import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { metricsPlugin } from './fastify-metrics.js';
import { createServiceMetrics } from './service-metrics.js';

describe('metricsPlugin', () => {
  it('serves the registry as Prometheus text on /metrics', async () => {
    const metrics = createServiceMetrics({ service: 'api', defaultMetrics: false });
    metrics.syncs.inc({ outcome: 'started' });
    const app = Fastify();
    await app.register(metricsPlugin, { metrics });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('canvas_sync_syncs_total{outcome="started",service="api"} 1');
    await app.close();
  });

  it('serves on another path when asked', async () => {
    const app = Fastify();
    await app.register(metricsPlugin, { metrics: createServiceMetrics({ service: 'notifier', defaultMetrics: false }), path: '/internal/metrics' });
    expect((await app.inject({ method: 'GET', url: '/internal/metrics' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    await app.close();
  });
});

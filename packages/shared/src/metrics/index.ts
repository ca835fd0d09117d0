export { BREAKER_STATE, createServiceMetrics, hostHash, statusClassOf, type BreakerState, type ServiceMetrics, type ServiceMetricsOptions, type StatusClass, type SyncOutcome } from './service-metrics.js';
export { jetStreamLagSource, type ConsumerLag, type ConsumerLagSource } from './consumer-lag.js';
export { metricsPlugin, type MetricsPluginOptions } from './fastify-metrics.js';

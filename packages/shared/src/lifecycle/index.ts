export { natsCheck, postgresCheck, runReadiness, type ReadinessCheck } from './readiness.js';
export { startHealthServer, type HealthServerOptions } from './health-server.js';
export { Shutdown, type Releaser } from './shutdown.js';
export { runMain } from './run-main.js';
export { openRuntime, type Runtime } from './runtime.js';

export { natsCheck, postgresCheck, readinessAnswer, runReadiness, type ReadinessCheck, type ReadinessLogger, type ReadinessReport } from './readiness.js';
export { startHealthServer, type HealthServerOptions } from './health-server.js';
export { Shutdown, type Releaser } from './shutdown.js';
export { runMain } from './run-main.js';
export { openRuntime, type Runtime } from './runtime.js';

export { localInfra, shouldUseTestcontainers, withDatabase, type TestInfra } from './infra.js';
export { createEmptyDatabase, createMigratedDatabase, createTestDatabase, type TestDatabase } from './test-database.js';
export { createTestNats, type TestNats } from './test-nats.js';
export { startPrivateNats, natsServerBin, type PrivateNats } from './private-nats.js';
export { startPrivatePostgres, postgresBinDir, type PrivatePostgres } from './private-postgres.js';
export { freePort, waitFor } from './free-port.js';
export { REPO_ROOT, spawnService, type ServiceName, type ServiceProcess } from './service-process.js';
export { compareWithGroundTruth, type GroundTruthReport } from './ground-truth.js';
export { startPipeline, type PipelineHarness, type PipelineOptions, type SyncRequest } from './pipeline-harness.js';

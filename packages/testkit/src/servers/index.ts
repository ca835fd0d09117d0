/**
 * Starting and probing NATS and Postgres servers, shared by `npm start` (scripts/start.ts), the
 * test kit's global setup and scripts/with-servers.ts (CI). This entry point
 * (`@canvas-sync/testkit/servers`) must not import vitest: the scripts load it outside any test run.
 */
export { portAnswers, portFree, probeNats, probePostgres, randomPort, waitUntil } from './probes.js';
export { findNatsServer, NATS_SERVER_INSTALL_HINT, startNatsServer, type NatsServerOptions, type StartedNats } from './nats-server.js';
export { startEmbeddedPostgres, type EmbeddedPostgresOptions, type StartedPostgres } from './embedded-postgres.js';
export { embeddedPostgresBinDir, postgresBinDir } from './postgres-bin.js';
export { configuredUrl, planServer, safeUrl, serversSetting, type ServerChoice, type ServerKind, type ServersSetting } from './server-plan.js';
export { provideRunServers, type RunServers } from './run-servers.js';

/**
 * @canvas-sync/shared — the contracts every service builds on: config, logging, errors, message
 * schemas with subjects and streams, NATS and Postgres helpers, the DB schema and migrations.
 * Importing it does nothing: no environment reads, no connections.
 */
export * from './config/index.js';
export * from './crypto/index.js';
export * from './db/index.js';
export * from './errors/index.js';
export * from './lifecycle/index.js';
export * from './logging/index.js';
export * from './messages/index.js';
export * from './changes/index.js';
export * from './nats/index.js';
export * from './tracing/index.js';
export * from './syncs/index.js';
export * from './canvas/url-policy.js';
export * from './canvas/oauth-clients.js';
export * from './canvas/oauth-token.client.js';
export * from './metrics/index.js';
export * from './auth/index.js';
export * from './canvas/token-renewal.js';
export * from './canvas/connection-token.js';

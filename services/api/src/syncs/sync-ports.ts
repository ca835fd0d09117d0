import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Namespace, ServiceMetrics } from '@canvas-sync/shared';
import { connectionStore } from '../connections/connections.repository.js';
import { natsSyncBus } from './sync-bus.js';
import { syncStore } from './syncs.repository.js';
import type { SyncPorts } from './syncs.service.js';

/** The sync ports over Postgres and NATS: one construction for the routes and the scheduler. */
export function createSyncPorts(deps: { db: Kysely<Database>; nc: NatsConnection; js: JetStreamClient; ns: Namespace; logger: Logger; metrics?: ServiceMetrics }): SyncPorts {
  return {
    syncs: syncStore(deps.db),
    connections: connectionStore(deps.db),
    bus: natsSyncBus(deps.nc, deps.js, deps.ns),
    logger: deps.logger,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  };
}

import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { BaseConfig } from '../config/index.js';
import { createDb } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import { namespace, type Namespace } from '../messages/streams.js';
import { connectNats } from '../nats/connect.js';
import { provisionJetStream } from '../nats/provision.js';
import { natsCheck, postgresCheck, type ReadinessCheck } from './readiness.js';
import type { Shutdown } from './shutdown.js';

/** The connections every service holds, opened in order and registered for LIFO close. */
export interface Runtime {
  nc: NatsConnection;
  js: JetStreamClient;
  db: Kysely<Database>;
  ns: Namespace;
  checks: ReadinessCheck[];
}

/**
 * Opens NATS (and provisions streams, idempotently) and the Postgres pool, registering their
 * close with `shutdown`: NATS drains (finishing pending publishes) before the pool closes.
 */
export async function openRuntime(service: string, config: BaseConfig, logger: Logger, shutdown: Shutdown): Promise<Runtime> {
  const db = createDb({ url: config.db.url, poolMax: config.db.poolMax, preparedStatements: config.db.preparedStatements, applicationName: `canvas-sync-${service}` });
  shutdown.add('postgres', () => db.destroy());
  const nc = await connectNats({ url: config.nats.url, name: `canvas-sync-${service}`, logger });
  shutdown.add('nats', () => nc.drain());
  const ns = namespace(config.nats.namespace);
  await provisionJetStream(nc, ns);
  return { nc, js: jetstream(nc), db, ns, checks: [natsCheck(nc), postgresCheck(db)] };
}

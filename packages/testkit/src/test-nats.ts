import { randomBytes } from 'node:crypto';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { inject } from 'vitest';
import { deleteStreams, namespace, provisionJetStream, type Namespace } from '@canvas-sync/shared';

/** A NATS connection with a namespace of its own: streams and subjects no other test sees. */
export interface TestNats {
  url: string;
  nc: NatsConnection;
  js: JetStreamClient;
  nsName: string;
  ns: Namespace;
  /** Deletes the namespace's streams and closes the connection. */
  close(): Promise<void>;
}

/** Connects to the shared test NATS with a fresh namespace, its streams provisioned. */
export async function createTestNats(options: { provision?: boolean; url?: string } = {}): Promise<TestNats> {
  const url = options.url ?? inject('testInfra').natsUrl;
  const nc = await connect({ servers: url });
  const nsName = `t${randomBytes(5).toString('hex')}`;
  const ns = namespace(nsName);
  if (options.provision !== false) await provisionJetStream(nc, ns);
  return {
    url,
    nc,
    js: jetstream(nc),
    nsName,
    ns,
    close: async () => {
      await deleteStreams(nc, ns);
      await nc.close();
    },
  };
}

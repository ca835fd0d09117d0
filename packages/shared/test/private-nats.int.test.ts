import { afterAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startPrivateNats, type PrivateNats } from '@canvas-sync/testkit';
import { namespace, provisionJetStream, publish, syncRequested } from '@canvas-sync/shared';
import { jetstream } from '@nats-io/jetstream';

describe('a private nats-server', () => {
  let server: PrivateNats | undefined;
  afterAll(async () => server?.stop());

  it('keeps a durable stream and its messages across SIGKILL and restart', async () => {
    server = await startPrivateNats();
    const ns = namespace('');
    let nc = await connect({ servers: server.url });
    await provisionJetStream(nc, ns);
    await publish(jetstream(nc), ns, syncRequested, { syncId: '0b0e4a8e-8d0e-4a8e-9e0e-0a8e4a8e9e0e', userId: 'u', run: 0 }, { correlationId: 'c' });
    await nc.close();

    await server.kill('SIGKILL');
    await server.restart();

    nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('SYNC_WORK');
    expect(info.state.messages).toBe(1);
    const consumer = await jsm.consumers.info('SYNC_WORK', 'fetcher-sync-requested');
    expect(consumer.config.durable_name).toBe('fetcher-sync-requested');
    await nc.close();
  });
});

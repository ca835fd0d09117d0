/**
 * One-shot JetStream provisioning: `npm run provision` (or, in a container,
 * `node packages/shared/dist/nats/provision.cli.js`). Creates or updates the streams and durable
 * consumers of NATS_NAMESPACE on NATS_URL, then exits 0. Idempotent, so the Kubernetes Job and the
 * compose service can run it on every deploy; it is also how stream changes roll out (see
 * docs/operations.md, "Upgrade").
 *
 * JETSTREAM_REPLICAS (1–5, default 1) sets each stream's replica count, the fetchers' token-budget
 * KV bucket's included: 3 on a 3-node JetStream cluster. Services provision too at start-up, but their update keeps the stream's current
 * replica count (the client merges the new config over the old), so they never undo this.
 */
import { baseEnvSchema, envInt, loadConfig } from '../config/index.js';
import { isAppError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { namespace } from '../messages/streams.js';
import { connectNats } from './connect.js';
import { applyReplicas, provisionJetStream } from './provision.js';

const provisionEnvSchema = baseEnvSchema.pick({ NATS_URL: true, NATS_NAMESPACE: true, LOG_LEVEL: true }).extend({
  JETSTREAM_REPLICAS: envInt(1, 1, 5),
  /** How long to keep trying the first connection: NATS may still be starting beside this Job. */
  PROVISION_CONNECT_TIMEOUT_MS: envInt(60_000, 1_000, 600_000),
});

const logger = createLogger({ service: 'provision', level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<number> {
  const env = loadConfig(provisionEnvSchema, process.env);
  const nc = await connectWithRetry(env.NATS_URL, env.PROVISION_CONNECT_TIMEOUT_MS);
  try {
    const ns = namespace(env.NATS_NAMESPACE);
    await provisionJetStream(nc, ns);
    const streams = await applyReplicas(nc, ns, env.JETSTREAM_REPLICAS);
    logger.info({ namespace: env.NATS_NAMESPACE, streams }, 'jetstream provisioned');
    return 0;
  } finally {
    await nc.drain();
  }
}

async function connectWithRetry(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connectNats({ url, name: 'canvas-sync-provision', logger, timeoutMs: 5_000 });
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      logger.warn({ url }, 'nats not reachable yet, retrying');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    logger.fatal({ err: isAppError(err) ? { code: err.code, message: err.message } : err }, 'provisioning failed');
    process.exit(1);
  },
);

import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { consumerConfigs, streamConfigs, TOKEN_BUDGET_KV, type Namespace } from '../messages/streams.js';

/**
 * Creates or updates the streams and durable consumers (idempotent). Services call it at start-up;
 * Kubernetes runs it once as a Job. nats-server 2.9 knows no `metadata`, `compression` or
 * `filter_subjects`, so the definitions use none of them.
 */
export async function provisionJetStream(nc: NatsConnection, ns: Namespace): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const config of streamConfigs(ns)) {
    await ensureStream(jsm, config);
  }
  for (const { stream, config } of consumerConfigs(ns)) {
    try {
      await jsm.consumers.info(stream, config.durable_name);
      await jsm.consumers.update(stream, config.durable_name, config);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await jsm.consumers.add(stream, config);
    }
  }
}

/**
 * Sets the replica count of every stream of the namespace and of the fetchers' token-budget KV
 * bucket (created here when no fetcher has yet), so that on a 3-node cluster one node may fail
 * without stopping work. The bucket used to stay at one replica (the KV client's default): the
 * cluster soak found that losing its node left every fetcher without a Canvas budget until the node
 * came back (docs/reliability.md). Returns each stream's replica count afterwards.
 */
export async function applyReplicas(nc: NatsConnection, ns: Namespace, replicas: number): Promise<Array<{ name: string; replicas: number }>> {
  const jsm = await jetstreamManager(nc);
  const bucket = ns.bucket('TOKEN_BUDGET');
  await new Kvm(nc).create(bucket, { ...TOKEN_BUDGET_KV, replicas });
  const out: Array<{ name: string; replicas: number }> = [];
  for (const name of [...streamConfigs(ns).map((c) => c.name), `KV_${bucket}`]) {
    let info = await jsm.streams.info(name);
    if (info.config.num_replicas !== replicas) info = await jsm.streams.update(name, { num_replicas: replicas });
    out.push({ name, replicas: info.config.num_replicas });
  }
  return out;
}

async function ensureStream(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0] & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(config);
    return;
  }
  await jsm.streams.update(config.name, config);
}

function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || e?.api_error?.err_code === 10014 || /not found/i.test(String(e?.message));
}

/** Deletes the namespace's streams (and with them their consumers). For tests and tear-down only. */
export async function deleteStreams(nc: NatsConnection, ns: Namespace): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const name of [...streamConfigs(ns).map((c) => c.name), `KV_${ns.bucket('TOKEN_BUDGET')}`]) {
    await jsm.streams.delete(name).catch(() => undefined);
  }
}

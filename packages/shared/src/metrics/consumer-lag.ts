import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Gauge, type Registry } from 'prom-client';
import { consumerConfigs, type Namespace } from '../messages/streams.js';

/** One durable consumer's backlog, as JetStream reports it. */
export interface ConsumerLag {
  durable: string;
  /** Messages not yet delivered to any consumer instance (`num_pending`). */
  pending: number;
  /** Delivered, not yet acked (`num_ack_pending`): work in flight. */
  ackPending: number;
}

/** Reads the current lag of some durables; called once per scrape. */
export type ConsumerLagSource = () => Promise<ConsumerLag[]>;

/** How long one scrape waits for JetStream before reporting no lag series at all. */
const LAG_TIMEOUT_MS = 2_000;

/**
 * The two lag gauges, refreshed by a collect callback on each scrape. KEDA's `nats-jetstream`
 * trigger scales on `pending + ackPending` of the fetch durable; these gauges show the same two
 * numbers, so a dashboard can be set beside what the autoscaler sees.
 */
export function lagGauges(registry: Registry): { watch(source: ConsumerLagSource): void } {
  let source: ConsumerLagSource | undefined;
  // Both gauges collect on the same scrape: read JetStream once for the pair.
  let inflight: { at: number; result: Promise<ConsumerLag[] | undefined> } | undefined;
  const read = (): Promise<ConsumerLag[] | undefined> => {
    if (!source) return Promise.resolve(undefined);
    const now = Date.now();
    if (inflight && now - inflight.at < 1_000) return inflight.result;
    const current = source;
    const result = withTimeout(current(), LAG_TIMEOUT_MS).catch(() => undefined);
    inflight = { at: now, result };
    return result;
  };
  const gauge = (name: string, help: string, pick: (lag: ConsumerLag) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['durable'] as const,
      registers: [registry],
      async collect() {
        const lags = await read();
        // No answer (NATS down, slow): drop the series rather than repeat a stale number.
        this.reset();
        for (const lag of lags ?? []) this.set({ durable: lag.durable }, pick(lag));
      },
    });
  gauge('canvas_sync_jetstream_consumer_pending', 'Messages waiting for a durable consumer (num_pending).', (l) => l.pending);
  gauge('canvas_sync_jetstream_consumer_ack_pending', 'Messages delivered to a durable consumer and not yet acked.', (l) => l.ackPending);
  return {
    watch(next) {
      source = next;
      inflight = undefined;
    },
  };
}

/**
 * Reads the lag of `durables` (default: every pipeline durable) from JetStream consumer info, and
 * of `extra` durables a service creates itself (the writer's webhook dispatcher, when on).
 * A durable that does not exist yet is left out rather than failing the scrape.
 */
export function jetStreamLagSource(nc: NatsConnection, ns: Namespace, durables?: readonly string[], extra: ReadonlyArray<{ stream: string; durable: string }> = []): ConsumerLagSource {
  const wanted = [
    ...consumerConfigs(ns).filter((c) => !durables || durables.includes(c.config.durable_name)),
    ...extra.map((e) => ({ stream: e.stream, config: { durable_name: e.durable } })),
  ];
  let jsm: Promise<JetStreamManager> | undefined;
  return async () => {
    // Forget a failed manager (NATS was down) so the next scrape tries again.
    jsm ??= jetstreamManager(nc, { timeout: LAG_TIMEOUT_MS }).catch((err: unknown) => {
      jsm = undefined;
      throw err;
    });
    const manager = await jsm;
    const lags = await Promise.all(
      wanted.map(async ({ stream, config }) => {
        try {
          const info = await manager.consumers.info(stream, config.durable_name);
          return { durable: config.durable_name, pending: info.num_pending, ackPending: info.num_ack_pending };
        } catch {
          return undefined;
        }
      }),
    );
    return lags.filter((l): l is ConsumerLag => l !== undefined);
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

import { AckPolicy, DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { canvasChanges, deadLetter, on, publish, startConsumer, syncFinished, userSubjectToken, type MessageDef, type Namespace, type RunningConsumer } from '@canvas-sync/shared';
import type { WebhookConfig } from './webhook-config.js';
import type { WebhookMetrics } from './webhook-metrics.js';
import { webhookClient, type PostWebhook } from './webhook.client.js';
import { DEFAULT_RETRY, webhookHandler, type RetryPolicy } from './webhook.handler.js';

/** The dispatcher's durable on CANVAS_EVENTS (`<service>-<event>`, STYLE.md). */
export const WEBHOOK_DURABLE = 'writer-webhooks';
/**
 * Events delivered and not yet acked, across all replicas, including those waiting out a back-off.
 * While a receiver is down this many sit in retry and JetStream delivers no more: the rest wait in
 * the stream (kept 7 days), so memory stays bounded however long the outage.
 */
export const WEBHOOK_MAX_ACK_PENDING = 1000;
/** A safety bound only: retries end by time (the retry window), long before this many deliveries. */
const MAX_DELIVER = 10_000;

/** What the dispatcher needs. */
export interface WebhookDispatcherOptions {
  js: JetStreamClient;
  ns: Namespace;
  logger: Logger;
  config: WebhookConfig;
  metrics: WebhookMetrics;
  retry?: RetryPolicy;
  /** Replaces the HTTP client (tests of the handler logic use the real one). */
  post?: PostWebhook;
}

/**
 * Creates the durable (once; later starts keep its position and pending retries) and pulls it.
 * A new durable starts at new events: turning webhooks on does not replay a week of history
 * (docs/operations.md shows how to replay on purpose). The consumer reads every event of the stream
 * and acks the types not in `WEBHOOK_EVENTS` unsent: nats-server 2.9 filters on one subject only,
 * and a filter fixed into a durable would go stale when the variable changes.
 */
export async function startWebhookDispatcher(options: WebhookDispatcherOptions): Promise<RunningConsumer> {
  const { js, ns, config, logger } = options;
  const stream = ns.stream('CANVAS_EVENTS');
  const ackWaitMs = config.timeoutMs + 30_000;
  const jsm = await js.jetstreamManager();
  const exists = await jsm.consumers.info(stream, WEBHOOK_DURABLE).then(
    () => true,
    (err: unknown) => {
      if (/not found/i.test(String((err as Error)?.message))) return false;
      throw err;
    },
  );
  if (!exists) {
    // Replicas starting together add the same config: JetStream answers each with the one consumer.
    await jsm.consumers.add(stream, {
      durable_name: WEBHOOK_DURABLE,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      ack_wait: nanos(ackWaitMs),
      max_deliver: MAX_DELIVER,
      max_ack_pending: WEBHOOK_MAX_ACK_PENDING,
    });
  }
  const retry = options.retry ?? DEFAULT_RETRY;
  const deps = {
    post: options.post ?? webhookClient(config.url, config.timeoutMs),
    secret: config.secret,
    events: new Set(config.events),
    retry,
    metrics: options.metrics,
    deadLetter: async (record: { subject: string; messageId: string | null; deliveries: number; reason: string; code: string }) => {
      await publish(js, ns, deadLetter, { stream, durable: WEBHOOK_DURABLE, excerpt: '', ...record }, { correlationId: WEBHOOK_DURABLE });
    },
  };
  const subjectOf = (def: MessageDef) => (payload: { userId: string }) => ns.subject(def, userSubjectToken(payload.userId));
  logger.info({ receiver: new URL(config.url).origin, events: config.events, concurrency: config.concurrency }, 'webhook dispatcher started');
  return startConsumer({
    js,
    ns,
    logger: logger.child({ component: 'webhooks' }),
    stream,
    durable: WEBHOOK_DURABLE,
    routes: [
      on(syncFinished, webhookHandler(deps, 'sync.finished', subjectOf(syncFinished))),
      on(canvasChanges, webhookHandler(deps, 'canvas.changes', subjectOf(canvasChanges))),
    ],
    // Bounds the POSTs in flight per process; each is bounded in time by WEBHOOK_TIMEOUT_MS.
    concurrency: config.concurrency,
    ackWaitMs,
    maxDeliver: MAX_DELIVER,
    maxHandlerMs: config.timeoutMs + 20_000,
  });
}

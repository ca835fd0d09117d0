import type { DeadLetter, ErrorCode, HandlerResult, MessageContext } from '@canvas-sync/shared';
import type { WebhookEventType } from './webhook-config.js';
import type { WebhookMetrics } from './webhook-metrics.js';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';
import type { PostWebhook } from './webhook.client.js';

/** How long and how often a failing delivery is retried. */
export interface RetryPolicy {
  /** First retry after about this long; each next one waits twice as long. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
  /** Retries stop this long after the event happened (its envelope's `occurredAt`). */
  windowMs: number;
}

/** 24 h of retries, waits doubling from ~10 s to at most 1 h (DESIGN.md: "retried with back-off for 24 h"). */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 10_000, maxMs: 3_600_000, windowMs: 24 * 3_600_000 };

/** What a webhook handler needs. */
export interface WebhookHandlerDeps {
  post: PostWebhook;
  secret: string;
  events: ReadonlySet<WebhookEventType>;
  retry: RetryPolicy;
  metrics: WebhookMetrics;
  /** Records an event given up on (DEAD_LETTERS). */
  deadLetter(record: Pick<DeadLetter, 'subject' | 'messageId' | 'deliveries' | 'reason' | 'code'>): Promise<void>;
  now?: () => number;
}

/** The wait before retry number `deliveryCount`: exponential, capped, with jitter so a fleet of failures does not retry in step. */
export function retryDelay(retry: RetryPolicy, deliveryCount: number): number {
  const exp = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(30, Math.max(0, deliveryCount - 1)));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

/**
 * Handles one change event of type `type`: POSTs `{id, type, createdAt, data}` signed, acks on a
 * 2xx, otherwise naks with a delay (JetStream keeps the message and its delivery count, so retries
 * survive restarts and move to whichever replica pulls next). Past the retry window the event is
 * recorded as a dead letter and acked. `id` is the envelope id, the same on every retry, so a
 * receiver dedupes on it.
 */
export function webhookHandler(deps: WebhookHandlerDeps, type: WebhookEventType, subject: (payload: { userId: string }) => string) {
  const now = deps.now ?? Date.now;
  return async (payload: { userId: string }, ctx: MessageContext): Promise<HandlerResult> => {
    if (!deps.events.has(type)) return 'ack';
    const createdAt = ctx.occurredAt ?? new Date(now()).toISOString();
    const body = JSON.stringify({ id: ctx.msgId, type, createdAt, data: payload });
    const outcome = await deps.post(body, { [SIGNATURE_HEADER]: signatureHeader(deps.secret, body, Math.floor(now() / 1000)) });
    if (outcome.ok) {
      deps.metrics.attempt('delivered');
      return 'ack';
    }
    const left = Date.parse(createdAt) + deps.retry.windowMs - now();
    if (!(left > 0)) {
      deps.metrics.attempt('given_up');
      ctx.logger.error({ eventId: ctx.msgId, deliveries: ctx.deliveryCount, status: outcome.status, reason: outcome.reason }, 'webhook given up');
      const reason = `No 2xx from the webhook receiver within ${Math.round(deps.retry.windowMs / 60_000)} min of the event (last: ${outcome.reason}).`;
      await deps.deadLetter({ subject: subject(payload), messageId: ctx.msgId, deliveries: ctx.deliveryCount, reason, code: 'webhook_undeliverable' satisfies ErrorCode });
      return 'ack';
    }
    deps.metrics.attempt('failed');
    const delay = Math.min(retryDelay(deps.retry, ctx.deliveryCount), left);
    ctx.logger.warn({ eventId: ctx.msgId, deliveries: ctx.deliveryCount, status: outcome.status, reason: outcome.reason, retryInMs: delay }, 'webhook failed; will retry');
    return { nak: delay };
  };
}

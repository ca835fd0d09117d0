import { Counter, type Registry } from 'prom-client';

/** How one delivery attempt ended. */
export type WebhookAttemptOutcome = 'delivered' | 'failed' | 'given_up';

/** What the dispatcher reports. */
export interface WebhookMetrics {
  attempt(outcome: WebhookAttemptOutcome): void;
}

/**
 * `canvas_sync_webhook_deliveries_total{outcome}`: `delivered` (a 2xx), `failed` (an attempt
 * that will be retried), `given_up` (24 h of retries ran out; a dead-letter record was written).
 */
export function webhookMetrics(registry: Registry): WebhookMetrics {
  const counter = new Counter({
    name: 'canvas_sync_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered, failed (will retry), given_up.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of ['delivered', 'failed', 'given_up'] as const) counter.inc({ outcome }, 0);
  return { attempt: (outcome) => counter.inc({ outcome }) };
}

export const noopWebhookMetrics: WebhookMetrics = { attempt: () => undefined };

import { z } from 'zod';
import { deploymentEnvSchema, deploymentOf, envInt, envOptionalUrl, envSecret, secretProblems, type ConfigProblem, type SecretRule } from '@canvas-sync/shared';

/** The event types a webhook can carry (DESIGN.md "Schedules, change events and webhooks"). */
export const WEBHOOK_EVENT_TYPES = ['sync.finished', 'canvas.changes'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What `WEBHOOK_SECRET` must look like (the shared secret rule): in production 32+ characters, an HMAC key being as strong as its length. */
const WEBHOOK_SECRET_RULE: SecretRule = { productionMinLength: 32 };

/** The webhook dispatcher's settings; absent when `WEBHOOK_URL` is unset. */
export interface WebhookConfig {
  url: string;
  secret: string;
  events: readonly WebhookEventType[];
  /** The most time one POST may take, connect to last byte. */
  timeoutMs: number;
  /** POSTs in flight at once per writer process. */
  concurrency: number;
}

const webhookUrl = envOptionalUrl('must be an http:// or https:// URL', (url) => {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must use http: or https:, got "${url.protocol}"`;
  // fetch refuses such URLs on every request: say so now rather than fail each delivery.
  if (url.username !== '' || url.password !== '') return 'must not carry user:password@ (put a receiver token in the path or query; every delivery is signed anyway)';
  return undefined;
});

const webhookEvents = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const parts = (v ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
    if (parts.length === 0) return ['sync.finished'] as WebhookEventType[];
    const unknown = parts.filter((p) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(p));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown event type(s) ${unknown.map((u) => `"${u}"`).join(', ')}; use a comma list of ${WEBHOOK_EVENT_TYPES.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(parts)] as WebhookEventType[];
  });

/** `WEBHOOK_*` variables of the writer (with `DEMO`/`NODE_ENV`); check them together with {@link webhookProblems}. */
export const webhookEnvShape = {
  ...deploymentEnvSchema.shape,
  WEBHOOK_URL: webhookUrl,
  WEBHOOK_SECRET: envSecret,
  WEBHOOK_EVENTS: webhookEvents,
  WEBHOOK_TIMEOUT_MS: envInt(10_000, 1_000, 120_000),
  WEBHOOK_CONCURRENCY: envInt(4, 1, 64),
};
type WebhookEnv = z.output<z.ZodObject<typeof webhookEnvShape>>;

/** The rules that tie the variables together: a URL needs a secret, and production a long one. */
export function webhookProblems(env: WebhookEnv): ConfigProblem[] {
  if (env.WEBHOOK_URL === undefined) return [];
  if (env.WEBHOOK_SECRET === undefined) return [{ variable: 'WEBHOOK_SECRET', message: 'is required when WEBHOOK_URL is set: every delivery is signed with it' }];
  return secretProblems('WEBHOOK_SECRET', env.WEBHOOK_SECRET, WEBHOOK_SECRET_RULE, deploymentOf(env));
}

/** Maps the parsed variables onto {@link WebhookConfig}; `undefined` when webhooks are off. */
export function toWebhookConfig(env: WebhookEnv): WebhookConfig | undefined {
  if (env.WEBHOOK_URL === undefined || env.WEBHOOK_SECRET === undefined) return undefined;
  return { url: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET, events: env.WEBHOOK_EVENTS, timeoutMs: env.WEBHOOK_TIMEOUT_MS, concurrency: env.WEBHOOK_CONCURRENCY };
}

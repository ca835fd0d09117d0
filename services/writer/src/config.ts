import { addConfigProblems, baseEnvSchema, envInt, loadConfig, toBaseConfig, type BaseConfig, type Env } from '@canvas-sync/shared';
import { toWebhookConfig, webhookEnvShape, webhookProblems, type WebhookConfig } from './webhooks/webhook-config.js';

/** Records parts one transaction writes by default (`WRITER_BATCH_PARTS`; the writer bench uses it too). */
export const DEFAULT_BATCH_PARTS = 8;
/** Transactions a writer process runs at once by default (`WRITER_CONCURRENCY`; the writer bench uses it too). */
export const DEFAULT_WRITER_CONCURRENCY = 4;

const writerEnvSchema = baseEnvSchema
  .extend({
    HEALTH_PORT: envInt(3003, 0, 65_535),
    /** Transactions this process writes results in at once. */
    WRITER_CONCURRENCY: envInt(DEFAULT_WRITER_CONCURRENCY, 1, 64),
    /**
     * Records parts one transaction writes (group commit; 1 = a transaction per part). Each part
     * writes its rows in a savepoint per resource (up to 5), and a transaction with more than 64
     * subtransactions overflows Postgres's per-backend subxact cache (every snapshot then reads
     * pg_subtrans), so at most 12 (60 savepoints).
     */
    WRITER_BATCH_PARTS: envInt(DEFAULT_BATCH_PARTS, 1, 12),
    /** A sync without activity for this long is re-planned (then failed after retries). */
    SYNC_STALL_MS: envInt(180_000, 5_000, 86_400_000),
    SYNC_STALL_RETRIES: envInt(3, 0, 100),
    WATCHDOG_INTERVAL_MS: envInt(15_000, 500, 3_600_000),
    /** The outbox relay's idle poll; a commit in this process wakes it at once. */
    OUTBOX_POLL_MS: envInt(250, 20, 60_000),
    /** Change events a relay publishes per user per round (one transaction). */
    OUTBOX_BATCH: envInt(200, 1, 10_000),
    /** Days the change feed (`GET /api/v1/canvas/changes`) keeps a row; 0 keeps them forever. */
    CHANGE_FEED_RETENTION_DAYS: envInt(30, 0, 36_500),
    ...webhookEnvShape,
  })
  .superRefine((env, ctx) => addConfigProblems(ctx, webhookProblems(env)));

/** The writer's configuration, parsed once at start-up. */
export interface WriterConfig extends BaseConfig {
  healthPort: number;
  concurrency: number;
  /** Records parts per transaction (`WRITER_BATCH_PARTS`). */
  batchParts: number;
  watchdog: { stallMs: number; maxRetries: number; intervalMs: number };
  outbox: { pollMs: number; batch: number; users: number; feedRetentionDays: number; publishedRetentionHours: number };
  /** Signed webhooks to the host app (`WEBHOOK_URL`); absent = off. */
  webhooks: WebhookConfig | undefined;
}

/** Parses the environment; throws `config_invalid` naming every bad variable. */
export function loadWriterConfig(env: Env): WriterConfig {
  const parsed = loadConfig(writerEnvSchema, env);
  return {
    ...toBaseConfig(parsed),
    healthPort: parsed.HEALTH_PORT,
    concurrency: parsed.WRITER_CONCURRENCY,
    batchParts: parsed.WRITER_BATCH_PARTS,
    watchdog: { stallMs: parsed.SYNC_STALL_MS, maxRetries: parsed.SYNC_STALL_RETRIES, intervalMs: parsed.WATCHDOG_INTERVAL_MS },
    // Published outbox rows are kept a day for inspection; the stream keeps the events 7 days.
    outbox: { pollMs: parsed.OUTBOX_POLL_MS, batch: parsed.OUTBOX_BATCH, users: 50, feedRetentionDays: parsed.CHANGE_FEED_RETENTION_DAYS, publishedRetentionHours: 24 },
    webhooks: toWebhookConfig(parsed),
  };
}

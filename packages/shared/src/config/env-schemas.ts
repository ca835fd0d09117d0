import { z } from 'zod';
import { DEFAULT_PREPARED_STATEMENTS } from '../db/prepared-statements.js';

/** `true/false/1/0/yes/no` as a boolean; anything else is an error naming the variable. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));

/** An integer within `[min, max]`, from its decimal text. */
export const envInt = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/**
 * An optional URL: unset or blank is `undefined`, anything else is trimmed and must parse, and
 * `problem` may refuse a parsed one by naming what is wrong (`undefined`: accepted). `invalid` is
 * the message for text that is no URL; the text is not echoed, since a URL may carry a token.
 * The value is the URL as `URL` prints it.
 */
export const envOptionalUrl = (invalid: string, problem: (url: URL) => string | undefined = () => undefined) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      let url: URL;
      try {
        url = new URL(v.trim());
      } catch {
        ctx.addIssue({ code: 'custom', message: invalid });
        return z.NEVER;
      }
      const message = problem(url);
      if (message !== undefined) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return url.toString();
    });

const urlWithProtocols = (protocols: string[], fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = v === undefined || v.trim() === '' ? fallback : v.trim();
      for (const part of value.split(',')) {
        let url: URL;
        try {
          url = new URL(part.trim());
        } catch {
          ctx.addIssue({ code: 'custom', message: `must be a URL (${protocols.join(' or ')}), got "${redactUrl(part)}"` });
          return z.NEVER;
        }
        if (!protocols.includes(url.protocol)) {
          ctx.addIssue({ code: 'custom', message: `must use ${protocols.join(' or ')}, got "${url.protocol}"` });
          return z.NEVER;
        }
      }
      return value;
    });

/** Hides a password in a connection string before it goes into an error message. */
export function redactUrl(value: string): string {
  return value.replace(/\/\/([^:/@]*):([^@/]*)@/, '//$1:***@');
}

/** Variables every service reads: broker, database, logging, shutdown. */
export const baseEnvSchema = z.object({
  NATS_URL: urlWithProtocols(['nats:', 'tls:', 'ws:', 'wss:'], 'nats://127.0.0.1:4222'),
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/canvas_sync'),
  /** Prefix for every subject, stream and durable; lets tests and tenants share one NATS. */
  NATS_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9_]*$/, 'must be lowercase letters, digits and _ only')
    .optional()
    .transform((v) => v ?? ''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().transform((v) => v ?? 'info'),
  LOG_PRETTY: envBoolean(false),
  SHUTDOWN_TIMEOUT_MS: envInt(20_000, 1_000, 600_000),
  DB_POOL_MAX: envInt(10, 1, 200),
  /** Distinct parameterized statements prepared on each Postgres connection; 0 = none (a PgBouncer in transaction mode before 1.21). */
  DB_PREPARED_STATEMENTS: envInt(DEFAULT_PREPARED_STATEMENTS, 0, 10_000),
});

/** The parsed base variables, as a service's config holds them. */
export interface BaseConfig {
  nats: { url: string; namespace: string };
  db: { url: string; poolMax: number; preparedStatements: number };
  log: { level: string; pretty: boolean };
  shutdownTimeoutMs: number;
}

/** Maps the parsed base variables onto the nested shape services keep. */
export function toBaseConfig(env: z.output<typeof baseEnvSchema>): BaseConfig {
  return {
    nats: { url: env.NATS_URL, namespace: env.NATS_NAMESPACE },
    db: { url: env.DATABASE_URL, poolMax: env.DB_POOL_MAX, preparedStatements: env.DB_PREPARED_STATEMENTS },
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
}

/**
 * `METRICS_PORT` of the api and the notifier: a second HTTP server, for operators only, with
 * `/metrics` and `/readyz` with each failed check's error text. Their public port serves neither.
 * Unset = no such server (metrics off; readiness problems still go to the logs).
 */
export const metricsPortEnvSchema = z.object({
  METRICS_PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 65_535) {
        ctx.addIssue({ code: 'custom', message: `must be a port from 1 to 65535 (or unset), got "${v}"` });
        return z.NEVER;
      }
      return n;
    }),
});

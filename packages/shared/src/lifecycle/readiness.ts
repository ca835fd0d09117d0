import { sql, type Kysely } from 'kysely';
import type { NatsConnection } from '@nats-io/transport-node';

/** A named dependency check for `/readyz`. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** NATS is ready when the connection is up and the server answers a flush. */
export function natsCheck(nc: NatsConnection): ReadinessCheck {
  return {
    name: 'nats',
    async check() {
      if (nc.isClosed() || nc.isDraining()) throw new Error('connection closed');
      await withTimeout(nc.flush(), 2_000);
    },
  };
}

/** Postgres is ready when `SELECT 1` answers. */
export function postgresCheck(db: Kysely<any>): ReadinessCheck {
  return { name: 'postgres', check: async () => void (await withTimeout(sql`SELECT 1`.execute(db), 2_000)) };
}

/** What one readiness run found. */
export interface ReadinessReport {
  ready: boolean;
  /** Per check name: `ok` or `failed` (and `shutdown: in progress`). Safe to show anyone. */
  checks: Record<string, string>;
  /** Per failed check: its error text (host names, addresses, driver messages). Operators only. */
  problems: Record<string, string>;
}

/** Where readiness problems are logged. */
export interface ReadinessLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Runs every check; `ready` only when all pass and the service is not shutting down. Error texts go
 * to `problems` and to `logger`, never into `checks`: a public `/readyz` must not hand out
 * Postgres or NATS messages (host names, user names, internal addresses).
 */
export async function runReadiness(checks: ReadinessCheck[], shuttingDown: boolean, logger?: ReadinessLogger): Promise<ReadinessReport> {
  const results: Record<string, string> = {};
  const problems: Record<string, string> = {};
  await Promise.all(
    checks.map(async (c) => {
      try {
        await c.check();
        results[c.name] = 'ok';
      } catch (err) {
        results[c.name] = 'failed';
        problems[c.name] = (err as Error).message || 'failed';
      }
    }),
  );
  if (shuttingDown) results.shutdown = 'in progress';
  if (Object.keys(problems).length > 0) logger?.warn({ problems }, 'not ready');
  return { ready: !shuttingDown && Object.values(results).every((v) => v === 'ok'), checks: results, problems };
}

/**
 * The `/readyz` answer: status code and body. `detail` adds each failed check's error text; only
 * an operator-only port (`METRICS_PORT`, the fetcher's and writer's `HEALTH_PORT`) sets it.
 */
export function readinessAnswer(report: ReadinessReport, detail = false): { status: number; body: { status: string; checks: Record<string, string>; problems?: Record<string, string> } } {
  const body = { status: report.ready ? 'ready' : 'not ready', checks: report.checks };
  return { status: report.ready ? 200 : 503, body: detail ? { ...body, problems: report.problems } : body };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

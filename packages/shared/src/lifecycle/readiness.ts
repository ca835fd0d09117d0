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

/** Runs every check; `ready` only when all pass and the service is not shutting down. */
export async function runReadiness(checks: ReadinessCheck[], shuttingDown: boolean): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const results: Record<string, string> = {};
  await Promise.all(
    checks.map(async (c) => {
      try {
        await c.check();
        results[c.name] = 'ok';
      } catch (err) {
        results[c.name] = (err as Error).message || 'failed';
      }
    }),
  );
  if (shuttingDown) results.shutdown = 'in progress';
  return { ready: !shuttingDown && Object.values(results).every((v) => v === 'ok'), checks: results };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

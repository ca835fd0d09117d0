import { existsSync } from 'node:fs';
import { connect as netConnect } from 'node:net';

/** Where the shared test servers are. Filled by the global setup and handed to test files. */
export interface TestInfra {
  mode: 'local' | 'testcontainers';
  /** Admin URL of the Postgres server (database `postgres`). */
  postgresUrl: string;
  natsUrl: string;
  /** The migrated template database each test file clones. */
  templateDb: string;
  runId: string;
}

/**
 * The one switch: Testcontainers when `TESTCONTAINERS=1`, or when `TESTCONTAINERS` is unset and a
 * Docker engine answers on its socket; local servers otherwise (`TESTCONTAINERS=0` forces them).
 */
export async function shouldUseTestcontainers(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (env.TESTCONTAINERS === '1' || env.TESTCONTAINERS === 'true') return true;
  if (env.TESTCONTAINERS === '0' || env.TESTCONTAINERS === 'false') return false;
  const socket = env.DOCKER_HOST?.startsWith('unix://') ? env.DOCKER_HOST.slice(7) : '/var/run/docker.sock';
  if (env.DOCKER_HOST && !env.DOCKER_HOST.startsWith('unix://')) return true;
  if (!existsSync(socket)) return false;
  return new Promise((resolve) => {
    const s = netConnect(socket);
    s.setTimeout(1_000);
    s.once('connect', () => {
      // A socket file may exist with no engine behind it; ask for the version to be sure.
      s.write('GET /_ping HTTP/1.0\r\n\r\n');
    });
    s.once('data', (d) => {
      resolve(d.toString().includes('200 OK'));
      s.destroy();
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      resolve(false);
      s.destroy();
    });
  });
}

/** Local defaults (DESIGN.md, "Running and testing"), overridable for other machines. */
export function localInfra(env: NodeJS.ProcessEnv = process.env): { postgresUrl: string; natsUrl: string } {
  return {
    postgresUrl: env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    natsUrl: env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  };
}

/** Replaces the database name of a Postgres URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

import { existsSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { configuredUrl, serversSetting } from './servers/server-plan.js';

/** Where the shared test servers are. Filled by the global setup and handed to test files. */
export interface TestInfra {
  /** `own` when the run started a server itself (none answered, or `TEST_SERVERS=own`). */
  mode: 'local' | 'testcontainers' | 'own';
  /** Admin URL of the Postgres server (database `postgres`). */
  postgresUrl: string;
  natsUrl: string;
  /** The migrated template database each test file clones. */
  templateDb: string;
  runId: string;
}

/**
 * Testcontainers when `TESTCONTAINERS=1`, or when `TESTCONTAINERS` is unset, `TEST_SERVERS` is
 * `auto` and a Docker engine answers on its socket; local servers (or our own) otherwise
 * (`TESTCONTAINERS=0` forces them).
 */
export async function shouldUseTestcontainers(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (env.TESTCONTAINERS === '1' || env.TESTCONTAINERS === 'true') return true;
  if (serversSetting(env) !== 'auto') return false;
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
  return { postgresUrl: configuredUrl('postgres', env).url, natsUrl: configuredUrl('nats', env).url };
}

/** Replaces the database name of a Postgres URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

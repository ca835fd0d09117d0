import { spawn } from 'node:child_process';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { startCanvasSim, type CanvasSim, type SimUserSpec } from '@canvas-sync/canvas-sim';
import { DURABLES, namespace, type Namespace } from '@canvas-sync/shared';
import { createMigratedDatabase, REPO_ROOT, startNatsCluster, startPrivatePostgres, type NatsCluster, type PrivatePostgres, type TestDatabase } from '@canvas-sync/testkit';
import { Supervisor, type Replica } from './soak-supervisor.js';
import { CHAOS_JWT_SECRET } from './user-clients.js';

/** What the soak sets up (issue 18): the production topology, shrunk onto one machine. */
export interface SoakTopology {
  cluster: NatsCluster;
  postgres: PrivatePostgres;
  database: TestDatabase;
  sim: CanvasSim;
  supervisor: Supervisor;
  nc: NatsConnection;
  jsm: JetStreamManager;
  ns: Namespace;
  replicas: number;
  /** Every stream of the cluster (the KV bucket's too) and its replica count. */
  streamReplicas(): Promise<Record<string, number>>;
  apiUrls(): string[];
  notifierUrls(): string[];
  close(): Promise<void>;
}

/** Options of {@link startSoakTopology}. */
export interface SoakTopologyOptions {
  simUsers: SimUserSpec[];
  seed: number;
  /** Replica count of every stream (JETSTREAM_REPLICAS of the provisioning Job; 3 in prod). */
  replicas: number;
  /** A dead replica comes back after this long (a kubelet restarting a pod). */
  restartDelayMs: number;
  /** Test-only ack wait for the fetcher and writer durables; undefined keeps production's. */
  ackWaitMs?: number;
}

const NS = 'soak';

/**
 * A 3-node JetStream cluster, a private Postgres (restartable), the Canvas simulator and the
 * services as supervised processes, every service given all three NATS URLs. Streams and
 * consumers are provisioned as the prod overlay's Job does it: `provision.cli.ts` with
 * `JETSTREAM_REPLICAS`.
 */
export async function startSoakTopology(options: SoakTopologyOptions): Promise<SoakTopology> {
  const [cluster, postgres] = await Promise.all([startNatsCluster(), startPrivatePostgres()]);
  // A throwaway cluster runs with synchronous_commit=off; production keeps it on (docs/reliability.md).
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('ALTER ROLE postgres SET synchronous_commit = on');
  await admin.end();
  const database = await createMigratedDatabase(postgres.url, 'soak');
  const sim = await startCanvasSim({ seed: options.seed, users: options.simUsers, latency: { baseMs: 200, perItemMs: 0.1, jitterMs: 50 } });
  const env: Record<string, string> = {
    NATS_URL: cluster.url,
    NATS_NAMESPACE: NS,
    DATABASE_URL: database.url,
    DB_POOL_MAX: '5',
    LOG_LEVEL: 'warn',
    AUTH_JWT_SECRET: CHAOS_JWT_SECRET,
    SYNC_STALL_MS: '60000',
    WATCHDOG_INTERVAL_MS: '2000',
    CANVAS_BREAKER_RESET_MS: '1000',
    // A SIGKILLed fetcher's Canvas leases last one request timeout + 5 s.
    CANVAS_TIMEOUT_MS: '10000',
    CANVAS_ALLOW_PRIVATE_NETWORK: 'true',
  };
  await runProvisioning(env, options.replicas);
  const nc = await connect({ servers: cluster.url.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const jsm = await jetstreamManager(nc);
  const ns = namespace(NS);
  const shortenAckWaits = async (r: Replica) => {
    if (options.ackWaitMs === undefined || (r.role !== 'fetcher' && r.role !== 'writer')) return;
    for (const durable of [DURABLES.planner, DURABLES.fetcher, DURABLES.writer]) {
      const stream = ns.stream(durable === DURABLES.writer ? 'SYNC_RESULTS' : 'SYNC_WORK');
      await jsm.consumers.update(stream, durable, { ack_wait: nanos(options.ackWaitMs) }).catch(() => undefined);
    }
  };
  const supervisor = new Supervisor(env, options.restartDelayMs, shortenAckWaits);
  try {
    await supervisor.start();
  } catch (err) {
    process.stdout.write(supervisor.logs(40));
    throw err;
  }
  const urls = (role: 'api' | 'notifier', scheme: string, path: string) => supervisor.of(role).map((r) => `${scheme}://127.0.0.1:${r.port}${path}`);
  return {
    cluster,
    postgres,
    database,
    sim,
    supervisor,
    nc,
    jsm,
    ns,
    replicas: options.replicas,
    async streamReplicas() {
      const out: Record<string, number> = {};
      for await (const info of jsm.streams.list()) out[info.config.name] = info.config.num_replicas;
      return out;
    },
    apiUrls: () => urls('api', 'http', ''),
    notifierUrls: () => urls('notifier', 'ws', '/ws'),
    async close() {
      await supervisor.stop();
      await nc.close().catch(() => undefined);
      await sim.close();
      await database.drop().catch(() => undefined);
      await Promise.all([cluster.stop(), postgres.stop()]);
    },
  };
}

/** `npm run provision` as the prod overlay's Job runs it, against the cluster. */
async function runProvisioning(env: Record<string, string>, replicas: number): Promise<void> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/shared/src/nats/provision.cli.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NATS_URL: env.NATS_URL, NATS_NAMESPACE: env.NATS_NAMESPACE, LOG_LEVEL: 'info', JETSTREAM_REPLICAS: String(replicas) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`provisioning failed (exit ${code}):\n${out}`);
}

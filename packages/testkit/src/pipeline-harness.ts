import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { startCanvasSim, type CanvasSim, type SimOptions } from '@canvas-sync/canvas-sim';
import { createTokenCipher, DEV_TOKEN_KEY, parseTokenKeys, publish, publishCore, recordChanges, syncControl, syncRequested, type SyncRow } from '@canvas-sync/shared';
import { freePort, waitFor } from './free-port.js';
import { obtainSimGrant, storeSimGrant, type SimGrant } from './oauth-grants.js';
import { spawnService, type ServiceName, type ServiceProcess } from './service-process.js';
import { createMigratedDatabase, createTestDatabase, type TestDatabase } from './test-database.js';
import { createTestNats, type TestNats } from './test-nats.js';

export interface SyncRequest {
  scope?: { type: 'all' } | { type: 'term'; termId: number } | { type: 'course'; courseId: number };
  mode?: 'full' | 'incremental';
  dryRun?: boolean;
  chunkSize?: number;
}

/**
 * The pipeline (fetchers and writers as separate OS processes) against real NATS and Postgres and
 * the Canvas simulator, with a test database and NATS namespace of its own. It plays the api's
 * part of starting syncs the way the api does (row + `sync.requested`).
 */
export interface PipelineHarness<S extends PipelineSim = CanvasSim> {
  /** Starts or restarts nothing itself: `start` adds a service process with the harness's environment. */
  sim: S;
  database: TestDatabase;
  nats: TestNats;
  env: Record<string, string>;
  services: ServiceProcess[];
  start(name: ServiceName, extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  /**
   * Connects `userId` to the harness's simulator as `simUserId` (with its token unless `token`), or
   * to another server at `baseUrl` (a second simulator playing a user's own, hostile Canvas).
   */
  connect(userId: string, simUserId: number, token?: string, baseUrl?: string): Promise<string>;
  /**
   * Connects with a real OAuth grant of the simulator (start it with `oauthClients` and
   * `oauthAutoApprove`), stored as the api's callback stores it; again = a reconnect on the same row.
   */
  connectOAuth(userId: string, simUserId: number): Promise<{ connectionId: string; grant: SimGrant }>;
  /** Starts a sync; `lose: true` skips the publish, as if the message were lost. */
  startSync(userId: string, request?: SyncRequest, options?: { lose?: boolean }): Promise<string>;
  /** What `POST /syncs/:id/resume` does: a new run from the checkpoints. */
  resume(syncId: string): Promise<void>;
  /** What `POST /syncs/:id/cancel` does: the row to `cancelled`, then a broadcast to every fetcher. */
  cancel(syncId: string): Promise<void>;
  waitFor(syncId: string, statuses: string[], timeoutMs?: number): Promise<SyncRow>;
  close(): Promise<void>;
}

/**
 * What the harness needs of a simulator it did not start (`externalSim`): where it is, its users'
 * tokens, and how to close it (the harness's `close` does).
 */
export interface PipelineSim {
  url: string;
  users: ReadonlyArray<{ id: number; token: string }>;
  close(): Promise<void>;
}

/** Options of {@link startPipeline}. */
export interface PipelineOptions {
  sim?: SimOptions;
  fetchers?: number;
  writers?: number;
  /** Extra environment for every service process. */
  env?: Record<string, string>;
  /**
   * Servers to use instead of the test run's shared ones: a private nats-server / Postgres cluster
   * (chaos tests) or the benchmark's. The database is then created and migrated on that server.
   */
  servers?: { natsUrl: string; postgresUrl: string };
}

/**
 * Starts a pipeline on an in-process simulator (`options.sim`), or with `externalSim` on one the
 * caller started (e.g. `startSimProcess`, a simulator in its own process), which the harness then
 * owns and closes. `connectOAuth` needs the in-process one.
 */
export function startPipeline<S extends PipelineSim>(options: Omit<PipelineOptions, 'sim'> & { externalSim: S }): Promise<PipelineHarness<S>>;
export function startPipeline(options?: PipelineOptions): Promise<PipelineHarness>;
export async function startPipeline(options: PipelineOptions & { externalSim?: PipelineSim } = {}): Promise<PipelineHarness<PipelineSim>> {
  const sim: PipelineSim = options.externalSim ?? (await startCanvasSim({ latency: { baseMs: 0, perItemMs: 0 }, ...options.sim }));
  const database = options.servers ? await createMigratedDatabase(options.servers.postgresUrl) : await createTestDatabase();
  const nats = await createTestNats(options.servers ? { url: options.servers.natsUrl } : {});
  const cipher = createTokenCipher(parseTokenKeys({ TOKEN_ENCRYPTION_KEY: DEV_TOKEN_KEY }, () => '') as Exclude<ReturnType<typeof parseTokenKeys>, string>);
  // With developer keys in the simulator, the services get the first one for its host (as an operator would).
  const oauthClient = options.sim?.oauthClients?.[0];
  const env = {
    ...(oauthClient ? { CANVAS_OAUTH_CLIENTS: JSON.stringify([{ host: new URL(sim.url).host, clientId: oauthClient.clientId, clientSecret: oauthClient.clientSecret }]) } : {}),
    NATS_URL: options.servers?.natsUrl ?? inject('testInfra').natsUrl,
    DATABASE_URL: database.url,
    NATS_NAMESPACE: nats.nsName,
    LOG_LEVEL: 'warn',
    SYNC_STALL_MS: '60000',
    WATCHDOG_INTERVAL_MS: '2000',
    CANVAS_BREAKER_RESET_MS: '1000',
    // The simulator listens on 127.0.0.1, which the fetcher refuses by default (SSRF).
    CANVAS_ALLOW_PRIVATE_NETWORK: 'true',
    ...options.env,
  };
  const services: ServiceProcess[] = [];
  const start = async (name: ServiceName, extraEnv: Record<string, string> = {}) => {
    const port = await freePort();
    const service = spawnService(name, { ...env, HEALTH_PORT: String(port), ...extraEnv });
    services.push(service);
    await service.waitReady(port);
    return service;
  };
  await Promise.all([
    ...Array.from({ length: options.fetchers ?? 1 }, () => start('fetcher')),
    ...Array.from({ length: options.writers ?? 1 }, () => start('writer')),
  ]);

  const db = database.db;
  const publishRequested = (row: { id: string; user_id: string; run: number }) =>
    publish(nats.js, nats.ns, syncRequested, { syncId: row.id, userId: row.user_id, run: row.run }, { id: `${row.id}:run:${row.run}`, correlationId: row.id });

  return {
    sim,
    database,
    nats,
    env,
    services,
    start,
    async connect(userId, simUserId, token, baseUrl = sim.url) {
      const secret = token ?? sim.users.find((u) => u.id === simUserId)!.token;
      const { keyId, ciphertext } = cipher.encrypt(secret, userId);
      const row = await db
        .insertInto('connections')
        .values({ user_id: userId, base_url: baseUrl, token_ciphertext: ciphertext, token_key_id: keyId, canvas_user: null })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ base_url: baseUrl, token_ciphertext: ciphertext, token_key_id: keyId }))
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async connectOAuth(userId, simUserId) {
      if (!oauthClient || options.externalSim) throw new Error('connectOAuth needs an in-process simulator started with oauthClients');
      const grant = await obtainSimGrant(sim as CanvasSim, simUserId, oauthClient);
      return { connectionId: await storeSimGrant(db, cipher, userId, sim.url, grant), grant };
    },
    async startSync(userId, request = {}, startOptions = {}) {
      const connection = await db.selectFrom('connections').select('id').where('user_id', '=', userId).executeTakeFirstOrThrow();
      const row = await db
        .insertInto('syncs')
        .values({
          id: randomUUID(),
          user_id: userId,
          connection_id: connection.id,
          status: 'queued',
          scope: JSON.stringify(request.scope ?? { type: 'all' }) as never,
          mode: request.mode ?? 'full',
          dry_run: request.dryRun ?? false,
          chunk_size: request.chunkSize ?? 10,
          traceparent: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (!startOptions.lose) await publishRequested(row);
      return row.id;
    },
    async resume(syncId) {
      const row = await db
        .updateTable('syncs')
        .set((eb) => ({ status: 'queued', phase: 'queued', run: eb('run', '+', 1), seq: eb('seq', '+', 1), error: null, finished_at: null }))
        .where('id', '=', syncId)
        .where('status', 'in', ['failed', 'cancelled'])
        .returningAll()
        .executeTakeFirstOrThrow();
      await publishRequested(row);
    },
    async cancel(syncId) {
      // As the api does: the terminal status and its `sync.finished` in one transaction.
      await db.transaction().execute(async (tx) => {
        const row = await tx
          .updateTable('syncs')
          .set((eb) => ({ status: 'cancelled', phase: 'done', finished_at: new Date(), seq: eb('seq', '+', 1) }))
          .where('id', '=', syncId)
          .where('status', 'in', ['queued', 'running'])
          .returningAll()
          .executeTakeFirst();
        if (row) await recordChanges(tx, { userId: row.user_id, syncId, finished: row });
      });
      publishCore(nats.nc, nats.ns, syncControl, { syncId, action: 'cancel' }, { correlationId: syncId });
      await nats.nc.flush();
    },
    async waitFor(syncId, statuses, timeoutMs = 60_000) {
      let last: SyncRow | undefined;
      await waitFor(async () => {
        last = await db.selectFrom('syncs').selectAll().where('id', '=', syncId).executeTakeFirst();
        return last !== undefined && statuses.includes(last.status);
      }, timeoutMs, () => `sync ${syncId} to reach ${statuses.join('/')} (last: ${JSON.stringify(last && { status: last.status, phase: last.phase, done: last.units_done, total: last.units_total, error: last.error })})`);
      return last!;
    },
    async close() {
      await Promise.all(services.map((s) => s.kill('SIGTERM')));
      await sim.close();
      await nats.close();
      await database.drop();
    },
  };
}

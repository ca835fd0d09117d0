import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { publish, syncProgress, toProgressEvent, type SyncRow } from '@canvas-sync/shared';
import { createTestDatabase, createTestNats, insertTestConnection, type TestDatabase, type TestNats } from '@canvas-sync/testkit';
import { buildApp } from '../src/app.js';
import { createUserTokenVerifier } from '../src/auth/user-token.verifier.js';
import { DEV_JWT_SECRET, type WsConfig } from '../src/config.js';
import { startProgressFeed, type ProgressFeed } from '../src/progress/progress.feed.js';
import { createSyncsRepository } from '../src/syncs/syncs.repository.js';
import { SyncViews } from '../src/syncs/sync-views.js';
import { SessionHub } from '../src/ws/session-hub.js';

export const SECRET = DEV_JWT_SECRET;

/** A user token as the host app would sign it. */
export async function tokenFor(userId: string, options: { secret?: string; expiresIn?: string | null; alg?: string } = {}): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setSubject(userId).setIssuedAt();
  if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? '1h');
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

/** The pieces one test file runs against: its database, its NATS namespace, one notifier in-process. */
export interface Harness {
  database: TestDatabase;
  nats: TestNats;
  app: FastifyInstance;
  hub: SessionHub;
  feed: ProgressFeed;
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_WS: WsConfig = {
  allowedOrigins: null,
  allowLocalhost: true,
  maxConnectionsPerUser: 20,
  heartbeatMs: 15_000,
  authTimeoutMs: 5_000,
  maxUnauthenticatedPerIp: 100,
  maxFramesPerSecond: 20,
  maxPayloadBytes: 16 * 1024,
};

export async function startHarness(ws: Partial<WsConfig> = {}, options: { natsUrl?: string } = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const nats = await createTestNats(options.natsUrl ? { url: options.natsUrl } : {});
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const views = new SyncViews(createSyncsRepository(database.db));
  const hub = new SessionHub(ws.maxConnectionsPerUser ?? DEFAULT_WS.maxConnectionsPerUser, (e) => views.etaFor(e), logger);
  const feed = await startProgressFeed({ js: nats.js, ns: nats.ns, logger, onEvent: (e) => hub.publish(e) });
  const app = await buildApp({
    logger,
    checks: [],
    isShuttingDown: () => false,
    ws: { config: { ...DEFAULT_WS, ...ws }, verify: createUserTokenVerifier({ secret: SECRET }), views, hub },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    database,
    nats,
    app,
    hub,
    feed,
    url: `ws://127.0.0.1:${port}/ws`,
    close: async () => {
      await app.close();
      await feed.stop();
      await nats.close();
      await database.drop();
    },
  };
}

/** Inserts the Canvas connection a user's syncs reference. */
export function createConnection(h: Pick<Harness, 'database'>, userId: string): Promise<string> {
  return insertTestConnection(h.database.db, userId);
}

/** Inserts a sync the way the api does (queued, seq 0) or in any later state. */
export async function createSync(h: Pick<Harness, 'database'>, userId: string, connectionId: string, values: Partial<Record<string, unknown>> = {}): Promise<SyncRow> {
  return h.database.db
    .insertInto('syncs')
    .values({
      id: randomUUID(),
      user_id: userId,
      connection_id: connectionId,
      status: 'queued',
      scope: JSON.stringify({ type: 'all' }),
      mode: 'full',
      chunk_size: 10,
      seq: 0,
      ...values,
    } as never)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Does what the writer does: updates the row (bumping seq) in Postgres, then publishes its progress
 * event with the message id `<syncId>:seq:<seq>`.
 */
export async function advance(h: Pick<Harness, 'database' | 'nats'>, syncId: string, values: Partial<Record<string, unknown>>): Promise<SyncRow> {
  const row = await h.database.db
    .updateTable('syncs')
    .set((eb) => ({ seq: eb('seq', '+', 1), updated_at: new Date(), ...values }) as never)
    .where('id', '=', syncId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await publishRow(h, row);
  return row;
}

/** Publishes the progress event of a row as it is (also used to replay a stale one). */
export async function publishRow(h: Pick<Harness, 'nats'>, row: SyncRow, id = `${row.id}:seq:${row.seq}`): Promise<void> {
  await publish(h.nats.js, h.nats.ns, syncProgress, toProgressEvent(row), { id, correlationId: row.id, tokens: [row.id] });
}

/** A real `ws` client that records every frame and how it closed. */
export class Client {
  readonly frames: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    void this.closed.then(() => this.waiters.splice(0).forEach((w) => w()));
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    const socket = new WebSocket(url, { headers });
    const client = new Client(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  /** Opens, authenticates as `userId` and waits for `ready`. */
  static async ready(url: string, userId: string): Promise<Client> {
    const client = await Client.open(url);
    client.send({ type: 'auth', token: await tokenFor(userId) });
    await client.waitFor((f) => f.type === 'ready');
    return client;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first frame (already received or coming) that matches. */
  async waitFor(match: (frame: any) => boolean, timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`socket closed before the frame came; got ${JSON.stringify(this.frames)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Frames about one sync (snapshots and progress), in arrival order. */
  framesOf(syncId: string): any[] {
    return this.frames.filter((f) => (f.type === 'snapshot' && f.sync.id === syncId) || (f.type === 'progress' && f.syncId === syncId));
  }

  close(): void {
    this.socket.close();
  }
}

import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { createLogger, createServiceMetrics, TokenCipher, type CanvasUrlPolicy, type ServiceMetrics } from '@canvas-sync/shared';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@canvas-sync/testkit';
import { buildApp, type ApiDeps } from '../../src/app.js';

export const JWT_SECRET = 'test-secret-for-canvas-sync-api-0123456789';

/** An api app over a fresh database and NATS namespace, with every log line captured. */
export interface ApiHarness {
  app: FastifyInstance;
  database: TestDatabase;
  nats: TestNats;
  cipher: TokenCipher;
  /** The app's metrics registry (served on METRICS_PORT by main.ts, not by the app). */
  metrics: ServiceMetrics;
  logLines: string[];
  /** A valid HS256 token for `userId` (claims and header overridable). */
  token(userId: string, options?: { expiresIn?: string | number; alg?: string; secret?: string; notBefore?: string | number }): Promise<string>;
  /** `Authorization` headers for `userId`. */
  auth(userId: string): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

export async function startApiHarness(overrides: Partial<ApiDeps> & { policy?: CanvasUrlPolicy } = {}): Promise<ApiHarness> {
  const database = await createTestDatabase();
  const nats = await createTestNats();
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(line);
      done();
    },
  });
  const logger = createLogger({ service: 'api-test', level: 'debug', destination });
  const cipher = new TokenCipher([{ id: 'k-test', key: randomBytes(32) }], 'k-test');
  const metrics = overrides.metrics ?? createServiceMetrics({ service: 'api', defaultMetrics: false });
  const app = await buildApp({
    logger,
    metrics,
    checks: [],
    isShuttingDown: () => false,
    db: database.db,
    nc: nats.nc,
    js: nats.js,
    ns: nats.ns,
    cipher,
    auth: { secret: JWT_SECRET },
    canvas: overrides.policy ?? { allowedHosts: ['*'], allowPrivateNetwork: true },
    ...overrides,
  });
  await app.ready();
  const token: ApiHarness['token'] = async (userId, options = {}) =>
    new SignJWT({})
      .setProtectedHeader({ alg: options.alg ?? 'HS256' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '10m')
      .setNotBefore(options.notBefore ?? 0)
      .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
  return {
    app,
    database,
    nats,
    cipher,
    metrics,
    logLines,
    token,
    auth: async (userId) => ({ authorization: `Bearer ${await token(userId)}` }),
    close: async () => {
      await app.close();
      await nats.close();
      await database.drop();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCanvasSim } from '@canvas-sync/canvas-sim';
import { createTestDatabase, obtainSimGrant, storeSimGrant, TEST_OAUTH_CLIENT, type TestDatabase } from '@canvas-sync/testkit';
import { AppError, createCanvasOAuthClient, createDb, createOAuthClients, renewConnectionToken, TokenCipher, type CanvasOAuthClient, type ConnectionTokenPorts, type Database } from '../src/index.js';
import type { Kysely } from 'kysely';

const cipher = new TokenCipher([{ id: 'k1', key: randomBytes(32) }], 'k1');
const ORIGIN = 'https://canvas.example.edu';
const KEY = { clientId: '10000000000001', clientSecret: 'client-secret' };

/** Counts refresh calls; each takes a while, so every replica is queued behind the first. */
function slowRefresher(answer: () => Promise<{ accessToken: string; refreshToken?: string; expiresIn?: number }>): Pick<CanvasOAuthClient, 'refresh'> & { calls: Array<{ origin: string; refreshToken: string }> } {
  const calls: Array<{ origin: string; refreshToken: string }> = [];
  return {
    calls,
    async refresh(origin, client, refreshToken) {
      expect(client).toEqual(KEY);
      calls.push({ origin, refreshToken });
      await sleep(300);
      return answer();
    },
  };
}

const portsWith = (oauth: Pick<CanvasOAuthClient, 'refresh'>): ConnectionTokenPorts => ({ cipher, oauth, clients: { clientFor: (origin) => (new URL(origin).origin === ORIGIN ? KEY : undefined) } });

describe('renewConnectionToken: one renewal per connection across replicas (row lock)', () => {
  let database: TestDatabase;
  /** Each "replica" has its own pool, as separate fetcher processes do. */
  const replicas: Kysely<Database>[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 5; i++) replicas.push(createDb({ url: database.url, poolMax: 2 }));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((db) => db.destroy()));
    await database.drop();
  });
  afterEach(async () => {
    await database.db.deleteFrom('connections').execute();
  });

  const connect = async (userId: string, over: { version?: number; expiresAt?: Date } = {}) => {
    const access = cipher.encrypt(`access-${userId}-0`, userId);
    const refresh = cipher.encrypt(`refresh-${userId}`, userId);
    const row = await database.db
      .insertInto('connections')
      .values({
        user_id: userId,
        base_url: `${ORIGIN}/`,
        token_ciphertext: access.ciphertext,
        token_key_id: access.keyId,
        canvas_user: null,
        auth_type: 'oauth',
        refresh_ciphertext: refresh.ciphertext,
        refresh_key_id: refresh.keyId,
        access_expires_at: over.expiresAt ?? new Date(Date.now() + 1_000),
        token_version: over.version ?? 0,
      })
      .returning(['id', 'refresh_ciphertext'])
      .executeTakeFirstOrThrow();
    return row;
  };
  const stored = (id: string) => database.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('five replicas asking at once cause exactly one refresh, and all get its token', async () => {
    const row = await connect('u1');
    let issued = 0;
    const oauth = slowRefresher(async () => ({ accessToken: `access-u1-${++issued}`, expiresIn: 3600 }));
    const results = await Promise.all(replicas.map((db) => renewConnectionToken(db, portsWith(oauth), { connectionId: row.id, userId: 'u1', knownVersion: 0 })));
    expect(oauth.calls).toEqual([{ origin: ORIGIN, refreshToken: 'refresh-u1' }]);
    expect(new Set(results.map((r) => r.accessToken))).toEqual(new Set(['access-u1-1']));
    expect(new Set(results.map((r) => r.version))).toEqual(new Set([1]));
    const after = await stored(row.id);
    expect(after.token_version).toBe(1);
    expect(cipher.decrypt(after.token_ciphertext!, after.token_key_id!, 'u1')).toBe('access-u1-1');
    // Canvas issues no new refresh token on refresh: the stored one is kept as it was.
    expect(after.refresh_ciphertext).toBe(row.refresh_ciphertext);
    expect(after.access_expires_at!.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    expect(after.status).toBe('ok');
  });

  it('against the simulator: five replicas renewing one real grant at once make one refresh at Canvas, and its token works', async () => {
    const sim = await startCanvasSim({ users: [{ profile: 'student' }], oauthClients: [TEST_OAUTH_CLIENT], oauthAutoApprove: true, accessTokenTtlSeconds: 60 });
    try {
      const user = sim.users[0]!;
      const connectionId = await storeSimGrant(database.db, cipher, 'sim-user', sim.url, await obtainSimGrant(sim, user.id));
      const ports: ConnectionTokenPorts = {
        cipher,
        oauth: createCanvasOAuthClient({ fetch: (url, init) => fetch(url, init), userAgent: 'canvas-sync-tests' }),
        clients: createOAuthClients([{ host: new URL(sim.url).host, ...TEST_OAUTH_CLIENT }]),
      };
      const results = await Promise.all(replicas.map((db) => renewConnectionToken(db, ports, { connectionId, userId: 'sim-user', knownVersion: 1 })));
      expect(sim.oauthStats().refreshGrants).toBe(1);
      expect(new Set(results.map((r) => `${r.version} ${r.accessToken}`)).size).toBe(1);
      expect(results[0]!.version).toBe(2);
      const self = await fetch(new URL('/api/v1/users/self', sim.url), { headers: { authorization: `Bearer ${results[0]!.accessToken}` } });
      expect(self.status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('a caller that already holds an older version than another replica stored gets the stored token without a refresh', async () => {
    const row = await connect('u2', { version: 4, expiresAt: new Date(Date.now() + 60_000) });
    const oauth = slowRefresher(async () => ({ accessToken: 'never', expiresIn: 3600 }));
    const token = await renewConnectionToken(replicas[0]!, portsWith(oauth), { connectionId: row.id, userId: 'u2', knownVersion: 3 });
    expect(oauth.calls).toEqual([]);
    expect(token).toMatchObject({ accessToken: 'access-u2-0', version: 4, authType: 'oauth' });
  });

  it('a refused refresh marks the connection reauth_required once; every waiter gets canvas_reauth_required', async () => {
    const row = await connect('u3');
    const oauth = slowRefresher(async () => {
      throw new AppError('canvas_reauth_required', 'Canvas refused to renew access; reconnect Canvas.');
    });
    const results = await Promise.allSettled(replicas.map((db) => renewConnectionToken(db, portsWith(oauth), { connectionId: row.id, userId: 'u3', knownVersion: 0 })));
    expect(oauth.calls).toHaveLength(1);
    for (const r of results) expect(r.status === 'rejected' && (r.reason as AppError).code).toBe('canvas_reauth_required');
    const after = await stored(row.id);
    expect(after.status).toBe('reauth_required');
    expect(after.token_version).toBe(0);
  });

  it('a refresh that fails for a while stores nothing; the next attempt refreshes', async () => {
    const row = await connect('u4');
    let fail = true;
    const oauth = slowRefresher(async () => {
      if (fail) throw new AppError('canvas_unavailable', 'Canvas did not answer.');
      return { accessToken: 'access-u4-1', expiresIn: 5 };
    });
    await expect(renewConnectionToken(replicas[0]!, portsWith(oauth), { connectionId: row.id, userId: 'u4', knownVersion: 0 })).rejects.toMatchObject({ code: 'canvas_unavailable' });
    expect((await stored(row.id)).token_version).toBe(0);
    fail = false;
    const token = await renewConnectionToken(replicas[1]!, portsWith(oauth), { connectionId: row.id, userId: 'u4', knownVersion: 0 });
    expect(token).toMatchObject({ accessToken: 'access-u4-1', version: 1, lifetimeMs: 5_000 });
    expect(oauth.calls).toHaveLength(2);
  });

  it('keeps a refresh token the endpoint rotated (OAuth allows it, Canvas does not do it)', async () => {
    const row = await connect('u6');
    const oauth = slowRefresher(async () => ({ accessToken: 'access-u6-1', refreshToken: 'refresh-u6-rotated', expiresIn: 60 }));
    await renewConnectionToken(replicas[0]!, portsWith(oauth), { connectionId: row.id, userId: 'u6', knownVersion: 0 });
    const after = await stored(row.id);
    expect(cipher.decrypt(after.refresh_ciphertext!, after.refresh_key_id!, 'u6')).toBe('refresh-u6-rotated');
  });

  it('refuses another user’s connection and a host without a developer key, storing nothing', async () => {
    const row = await connect('u5');
    const oauth = slowRefresher(async () => ({ accessToken: 'never', expiresIn: 3600 }));
    await expect(renewConnectionToken(replicas[0]!, portsWith(oauth), { connectionId: row.id, userId: 'someone-else', knownVersion: 0 })).rejects.toMatchObject({ code: 'no_connection' });
    const noKeys: ConnectionTokenPorts = { ...portsWith(oauth), clients: { clientFor: () => undefined } };
    await expect(renewConnectionToken(replicas[0]!, noKeys, { connectionId: row.id, userId: 'u5', knownVersion: 0 })).rejects.toMatchObject({ code: 'canvas_oauth_unavailable' });
    expect(oauth.calls).toEqual([]);
    expect(await stored(row.id)).toMatchObject({ token_version: 0, status: 'ok' });
  });
});

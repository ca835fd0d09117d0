import { SignJWT } from 'jose';
import { sql } from 'kysely';
import { createTokenCipher, DEV_TOKEN_KEY, parseTokenKeys, type TokenKeysConfig } from '@canvas-sync/shared';
import { freePort, spawnService, type PipelineHarness, type ServiceProcess } from '@canvas-sync/testkit';

export const JWT_SECRET = 'schedules-test-secret-0123456789abcdef';

/** Scheduler knobs for tests: short ticks and lease, so handovers and waves take seconds. */
export const FAST_SCHEDULER = { SCHEDULE_TICK_MS: '300', SCHEDULE_LEASE_MS: '2000', SCHEDULE_STARTS_PER_SECOND: '200', AUTH_JWT_SECRET: JWT_SECRET };

/** An api process (its scheduler included) on the harness's database and namespace. */
export async function startApi(h: PipelineHarness, env: Record<string, string>): Promise<ServiceProcess & { url: string }> {
  const port = await freePort();
  const api = spawnService('api', { ...h.env, API_PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env });
  h.services.push(api);
  await api.waitReady(port);
  return Object.assign(api, { url: `http://127.0.0.1:${port}` });
}

/** A user JWT the api accepts. */
export function tokenFor(userId: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(JWT_SECRET));
}

/**
 * Connects `count` users `sched-<i>` to the simulator's users, one each, as `h.connect` does (the
 * harness's dev key) but in a few multi-row inserts: a thousand round trips would cost more than the wave.
 */
export async function connectUsers(h: PipelineHarness, count: number): Promise<string[]> {
  const cipher = createTokenCipher(parseTokenKeys({ TOKEN_ENCRYPTION_KEY: DEV_TOKEN_KEY }, () => '') as TokenKeysConfig);
  const rows = Array.from({ length: count }, (_, i) => {
    const userId = `sched-${i}`;
    const { keyId, ciphertext } = cipher.encrypt(h.sim.users[i]!.token, userId);
    return { user_id: userId, base_url: h.sim.url, token_ciphertext: ciphertext, token_key_id: keyId, canvas_user: null };
  });
  for (let i = 0; i < rows.length; i += 500) await h.database.db.insertInto('connections').values(rows.slice(i, i + 500)).execute();
  return rows.map((r) => r.user_id);
}

/** Who holds the scheduler's lease (unexpired), if anyone. */
export async function leaseHolder(h: PipelineHarness): Promise<string | undefined> {
  const row = await h.database.db.selectFrom('scheduler_leases').select('holder').where('expires_at', '>', sql<Date>`now()`).executeTakeFirst();
  return row?.holder;
}

/**
 * A DB-side watch on the fleet cap: after every insert or status change of a sync, the number of
 * scheduled syncs queued or running as that statement sees it, its maximum kept in a table.
 */
export async function watchActiveScheduled(h: PipelineHarness): Promise<() => Promise<number>> {
  const db = h.database.db;
  await sql`CREATE TABLE test_active_scheduled_max (n integer NOT NULL)`.execute(db);
  await sql`INSERT INTO test_active_scheduled_max VALUES (0)`.execute(db);
  await sql`CREATE FUNCTION test_watch_active_scheduled() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE test_active_scheduled_max SET n = GREATEST(n, (SELECT count(*) FROM syncs WHERE trigger = 'schedule' AND status IN ('queued','running')));
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER test_watch_active_scheduled AFTER INSERT OR UPDATE OF status ON syncs FOR EACH ROW EXECUTE FUNCTION test_watch_active_scheduled()`.execute(db);
  return async () => (await sql<{ n: number }>`SELECT n FROM test_active_scheduled_max`.execute(db)).rows[0]!.n;
}

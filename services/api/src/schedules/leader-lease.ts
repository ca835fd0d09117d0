import { sql, type Kysely } from 'kysely';
import type { Database } from '@canvas-sync/shared';

/**
 * The scheduler's leader lease: a row in `scheduler_leases` with the holder's id and an expiry in
 * the database's clock, renewed by the holder every third of its length.
 *
 * Why a lease row and not `pg_try_advisory_lock` on a dedicated session: a session lock is released
 * when Postgres notices the session is gone. A SIGKILLed process has its socket closed by the kernel,
 * so that is instant; but a node that loses power or its network sends nothing, and the backend then
 * holds the lock until TCP keepalive gives up (two hours with Linux defaults), and a connection
 * pooler in transaction mode (PgBouncer) cannot keep session locks at all. The row's expiry bounds
 * the handover in every case: a dead leader is replaced within `SCHEDULE_LEASE_MS` plus one renewal
 * period (10 s + 3.3 s by default), and a graceful shutdown releases it at once. Expiry is compared
 * with `now()` of Postgres, so the replicas' clocks do not matter.
 *
 * The lease is not the safety net by itself: every claim transaction re-checks it and holds it
 * `FOR SHARE` (schedule-claims.ts), so a takeover (an UPDATE of the row) waits for a claim in flight,
 * and a paused ex-leader that wakes up after losing the lease can claim nothing.
 */
export const LEASE_NAME = 'scheduler';

/**
 * Takes the lease when it is free or expired, or renews it when `holder` has it. True = `holder`
 * leads until `now() + leaseMs`.
 */
export async function acquireOrRenewLease(db: Kysely<Database>, holder: string, leaseMs: number): Promise<boolean> {
  const result = await sql<{ holder: string }>`
    INSERT INTO scheduler_leases (name, holder, expires_at, acquired_at)
    VALUES (${LEASE_NAME}, ${holder}, now() + make_interval(secs => ${leaseMs / 1000}), now())
    ON CONFLICT (name) DO UPDATE SET
      holder = EXCLUDED.holder,
      expires_at = EXCLUDED.expires_at,
      acquired_at = CASE WHEN scheduler_leases.holder = EXCLUDED.holder THEN scheduler_leases.acquired_at ELSE now() END
    WHERE scheduler_leases.holder = EXCLUDED.holder OR scheduler_leases.expires_at < now()
    RETURNING holder`.execute(db);
  return result.rows.length === 1;
}

/** Gives the lease up (graceful shutdown), so another replica takes over at its next attempt. */
export async function releaseLease(db: Kysely<Database>, holder: string): Promise<void> {
  await db.updateTable('scheduler_leases').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('name', '=', LEASE_NAME).where('holder', '=', holder).execute();
}

import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, SyncRow } from '@canvas-sync/shared';
import { connectionStore } from '../connections/connections.repository.js';
import { insertQueuedSync } from '../syncs/syncs.service.js';
import { syncStore } from '../syncs/syncs.repository.js';
import { LEASE_NAME } from './leader-lease.js';
import { dueDelayMs, isFullRun, type Random } from './schedule-policy.js';

/** What one claim attempt found. */
export type ClaimResult =
  | { kind: 'claimed'; syncs: SyncRow[] }
  /** The fleet already has `SCHEDULE_MAX_ACTIVE` scheduled syncs queued or running. */
  | { kind: 'full' }
  /** Nothing is due that can run now. */
  | { kind: 'none' }
  /** This process no longer holds the lease: it must not claim. */
  | { kind: 'lost' }
  /** A due user could not be started (e.g. a sync of theirs began meanwhile): nothing was claimed; try others. */
  | { kind: 'skipped'; userIds: string[]; err: unknown };

/** The settings a claim needs. */
export interface ClaimSettings {
  holder: string;
  maxActive: number;
  fullEvery: number;
  random: Random;
}

/** Whether `tx` still holds the lease; `FOR SHARE` makes a takeover wait for this transaction. */
async function holdsLease(tx: Kysely<Database>, holder: string): Promise<boolean> {
  const held = await sql<{ one: number }>`SELECT 1 AS one FROM scheduler_leases WHERE name = ${LEASE_NAME} AND holder = ${holder} AND expires_at > now() FOR SHARE`.execute(tx);
  return held.rows.length === 1;
}

/** Scheduled syncs queued or running, fleet-wide (the partial index of migration 2026-12-06-001). */
export async function countActiveScheduled(db: Kysely<Database>): Promise<number> {
  const row = await sql<{ n: number }>`SELECT count(*)::int AS n FROM syncs WHERE trigger = 'schedule' AND status IN ('queued','running')`.execute(db);
  return row.rows[0]?.n ?? 0;
}

/**
 * Claims up to `limit` of the earliest due schedules (fewer when the fleet cap is nearer) and
 * starts their syncs, in one transaction: the lease is re-checked, the cap counted, the schedule
 * rows locked (`SKIP LOCKED`), each queued sync inserted (the same insert as `POST /api/v1/syncs`,
 * with `trigger = 'schedule'`), and each schedule advanced with `pending_sync_id` naming its sync.
 * Either all of it commits or none: a crash loses no due run and starts none twice. The caller then
 * announces each sync and calls {@link settleClaim}.
 *
 * Left due (they run at a later tick): users with a sync queued or running (one per user),
 * connections without a token (disconnected) or needing reconnection.
 */
export async function claimDue(db: Kysely<Database>, settings: ClaimSettings, excluded: readonly string[], limit: number): Promise<ClaimResult> {
  let dueUsers: string[] = [];
  try {
    return await db.transaction().execute(async (tx): Promise<ClaimResult> => {
      // A leader that vanishes mid-transaction must not keep the rows locked until TCP gives up.
      await sql`SET LOCAL idle_in_transaction_session_timeout = '15s'`.execute(tx);
      if (!(await holdsLease(tx, settings.holder))) return { kind: 'lost' };
      const room = Math.min(limit, settings.maxActive - (await countActiveScheduled(tx)));
      if (room <= 0) return { kind: 'full' };
      const due = await sql<{ user_id: string; interval_minutes: number; mode: 'incremental' | 'full'; scope: SyncRow['scope']; run_count: number }>`
        SELECT s.user_id, s.interval_minutes, s.mode, s.scope, s.run_count
        FROM sync_schedules s
        JOIN connections c ON c.user_id = s.user_id
        WHERE s.enabled AND s.next_run_at <= now() AND s.pending_sync_id IS NULL
          AND c.token_ciphertext IS NOT NULL AND c.status = 'ok'
          AND NOT EXISTS (SELECT 1 FROM syncs y WHERE y.user_id = s.user_id AND y.status IN ('queued','running'))
          AND NOT (s.user_id = ANY(${[...excluded]}::text[]))
        ORDER BY s.next_run_at
        LIMIT ${room}
        FOR UPDATE OF s SKIP LOCKED`.execute(tx);
      if (due.rows.length === 0) return { kind: 'none' };
      dueUsers = due.rows.map((r) => r.user_id);
      const ports = { syncs: syncStore(tx), connections: connectionStore(tx) };
      const syncs: SyncRow[] = [];
      for (const schedule of due.rows) {
        const runNumber = schedule.run_count + 1;
        const mode = isFullRun(runNumber, schedule.mode, settings.fullEvery) ? 'full' : 'incremental';
        const sync = await insertQueuedSync(ports, schedule.user_id, { scope: schedule.scope, mode, dryRun: false, chunkSize: 10 }, 'schedule');
        const delayMs = dueDelayMs(schedule.interval_minutes, settings.random);
        await sql`UPDATE sync_schedules SET
            next_run_at = now() + make_interval(secs => ${delayMs / 1000}),
            last_run_at = now(), run_count = ${runNumber}, last_sync_id = ${sync.id}, pending_sync_id = ${sync.id}, updated_at = now()
          WHERE user_id = ${schedule.user_id}`.execute(tx);
        syncs.push(sync);
      }
      return { kind: 'claimed', syncs };
    });
  } catch (err) {
    // Rolled back: every schedule stays due. A failure tied to due users is reported; others rethrow.
    if (dueUsers.length > 0) return { kind: 'skipped', userIds: dueUsers, err };
    throw err;
  }
}

/** Due schedules left after a tick, by why: the conditions of {@link claimDue}'s `WHERE`, counted apart. */
export interface HeldBack {
  /** The user has a sync queued or running (one per user). */
  singleFlight: number;
  /** The connection is gone, has no token (disconnected) or needs reconnection. */
  reauth: number;
  /** Could run now (not in `excluded`): waiting for the fleet cap or the next second. */
  runnable: number;
}

/** Counts the due schedules no claim took, for the scheduler's metrics (one query, on the due index). */
export async function heldBackSchedules(db: Kysely<Database>, excluded: readonly string[]): Promise<HeldBack> {
  const { rows } = await sql<{ reauth: number; single_flight: number; runnable: number }>`
    SELECT
      count(*) FILTER (WHERE NOT connected)::int AS reauth,
      count(*) FILTER (WHERE connected AND busy)::int AS single_flight,
      count(*) FILTER (WHERE connected AND NOT busy AND NOT (user_id = ANY(${[...excluded]}::text[])))::int AS runnable
    FROM (
      SELECT s.user_id,
        COALESCE(c.token_ciphertext IS NOT NULL AND c.status = 'ok', false) AS connected,
        EXISTS (SELECT 1 FROM syncs y WHERE y.user_id = s.user_id AND y.status IN ('queued','running')) AS busy
      FROM sync_schedules s
      LEFT JOIN connections c ON c.user_id = s.user_id
      WHERE s.enabled AND s.next_run_at <= now() AND s.pending_sync_id IS NULL
    ) due`.execute(db);
  const row = rows[0];
  return { singleFlight: row?.single_flight ?? 0, reauth: row?.reauth ?? 0, runnable: row?.runnable ?? 0 };
}

/**
 * After the announcement: clears `pending_sync_id`. When the broker refused it (the sync is failed
 * with `broker_unavailable`, as a click would be), the schedule is due again in `retryMs`.
 */
export async function settleClaim(db: Kysely<Database>, userId: string, syncId: string, announced: boolean, retryMs: number): Promise<void> {
  const retry = announced ? sql`next_run_at` : sql`now() + make_interval(secs => ${retryMs / 1000})`;
  await sql`UPDATE sync_schedules SET pending_sync_id = NULL, next_run_at = CASE WHEN enabled THEN ${retry} END, updated_at = now()
    WHERE user_id = ${userId} AND pending_sync_id = ${syncId}`.execute(db);
}

/**
 * Claims a dead leader left behind: schedules whose sync was inserted but maybe never announced.
 * The sync row comes back when it is still queued (announce it again: the message id
 * `<syncId>:run:<run>` makes a repeat a no-op); otherwise it was announced, and only the mark is cleared.
 */
export async function pendingClaims(db: Kysely<Database>): Promise<Array<{ userId: string; syncId: string; sync: SyncRow | undefined }>> {
  const rows = await db.selectFrom('sync_schedules').select(['user_id', 'pending_sync_id']).where('pending_sync_id', 'is not', null).limit(1000).execute();
  const out: Array<{ userId: string; syncId: string; sync: SyncRow | undefined }> = [];
  for (const row of rows) {
    const syncId = row.pending_sync_id!;
    const sync = await db.selectFrom('syncs').selectAll().where('id', '=', syncId).where('status', '=', 'queued').executeTakeFirst();
    out.push({ userId: row.user_id, syncId, sync });
  }
  return out;
}

/**
 * When a new schedule is first due: one interval after the user's last sync (of any trigger; a dry
 * run does not count), or now when that is past or there is none (`GREATEST` skips the NULL).
 */
export function firstDueAt(userId: RawBuilder<unknown> | string, intervalMinutes: number): RawBuilder<Date> {
  return sql<Date>`GREATEST(now(), (SELECT max(y.created_at) FROM syncs y WHERE y.user_id = ${userId} AND NOT y.dry_run) + make_interval(mins => ${intervalMinutes}))`;
}

/**
 * Keeps the deployment default (`SYNC_SCHEDULE_DEFAULT_MINUTES`) applied: a `default` row for every
 * connected user without a schedule row (an explicit off is a row too, so it stays off), first due
 * one interval after the user's last sync (now if none, or if that is past), and existing `default`
 * rows moved to the current interval. With no default, `default` rows are removed. Returns the
 * number of rows written. `onlyUserId`: just that user's missing row (`GET /api/v1/schedule`).
 */
export async function applyDefaultSchedule(db: Kysely<Database>, defaultMinutes: number | undefined, onlyUserId?: string): Promise<number> {
  if (defaultMinutes === undefined) {
    if (onlyUserId !== undefined) return 0;
    const removed = await db.deleteFrom('sync_schedules').where('source', '=', 'default').executeTakeFirst();
    return Number(removed.numDeletedRows);
  }
  const inserted = await sql`
    INSERT INTO sync_schedules (user_id, source, enabled, interval_minutes, next_run_at)
    SELECT c.user_id, 'default', true, ${defaultMinutes},
      ${firstDueAt(sql.ref('c.user_id'), defaultMinutes)}
    FROM connections c
    WHERE c.token_ciphertext IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_schedules s WHERE s.user_id = c.user_id)
      ${onlyUserId === undefined ? sql`` : sql`AND c.user_id = ${onlyUserId}`}
    ON CONFLICT (user_id) DO NOTHING`.execute(db);
  if (onlyUserId !== undefined) return Number(inserted.numAffectedRows ?? 0n);
  const moved = await sql`
    UPDATE sync_schedules SET interval_minutes = ${defaultMinutes},
      next_run_at = LEAST(next_run_at, COALESCE(last_run_at, now()) + make_interval(mins => ${defaultMinutes})), updated_at = now()
    WHERE source = 'default' AND interval_minutes <> ${defaultMinutes}`.execute(db);
  return Number(inserted.numAffectedRows ?? 0n) + Number(moved.numAffectedRows ?? 0n);
}

import { sql, type Kysely } from 'kysely';

/**
 * Scheduled syncs (DESIGN.md "Schedules, change events and webhooks").
 *
 * `sync_schedules`: one row per user. `source = 'user'` is the user's own (`PUT /api/v1/schedule`;
 * `DELETE` keeps the row with `enabled = false`, so an explicit "off" survives a deployment
 * default); `source = 'default'` rows are written by the scheduler for connected users without a
 * row of their own while `SYNC_SCHEDULE_DEFAULT_MINUTES` is set. `next_run_at` is when the next run
 * is due (null while off); `run_count` counts scheduled runs started (every `SCHEDULE_FULL_EVERY`-th
 * is full). `pending_sync_id` is set in the same transaction that inserts a scheduled sync and
 * advances `next_run_at`, and cleared once its `sync.requested` is published: a leader that dies in
 * between leaves it set, and the next leader publishes it (same message id, so never twice).
 *
 * `scheduler_leases`: the leader lease. One row per named lease, holder id + expiry in the
 * database's clock, renewed by the holder; see services/api/src/schedules/leader-lease.ts for why a
 * lease row and not an advisory lock.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE sync_schedules (
    user_id text PRIMARY KEY,
    source text NOT NULL DEFAULT 'user' CHECK (source IN ('user','default')),
    enabled boolean NOT NULL DEFAULT true,
    interval_minutes integer NOT NULL CHECK (interval_minutes BETWEEN 1 AND 10080),
    mode text NOT NULL DEFAULT 'incremental' CHECK (mode IN ('incremental','full')),
    scope jsonb NOT NULL DEFAULT '{"type":"all"}',
    next_run_at timestamptz,
    last_run_at timestamptz,
    run_count integer NOT NULL DEFAULT 0,
    last_sync_id uuid,
    pending_sync_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (enabled = (next_run_at IS NOT NULL))
  )`.execute(db);
  // The scheduler's claim: the earliest due enabled schedules.
  await sql`CREATE INDEX sync_schedules_due_idx ON sync_schedules (next_run_at) WHERE enabled`.execute(db);
  await sql`CREATE INDEX sync_schedules_pending_idx ON sync_schedules (user_id) WHERE pending_sync_id IS NOT NULL`.execute(db);

  await sql`CREATE TABLE scheduler_leases (
    name text PRIMARY KEY,
    holder text NOT NULL,
    expires_at timestamptz NOT NULL,
    acquired_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS scheduler_leases`.execute(db);
  await sql`DROP TABLE IF EXISTS sync_schedules`.execute(db);
}

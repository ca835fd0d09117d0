import { sql, type Kysely } from 'kysely';

/**
 * What started a sync (DESIGN.md "Schedules, change events and webhooks"): a person (`user`, every
 * sync before schedules existed) or the scheduler (`schedule`). Shown in history, carried by
 * `sync.finished` events, and counted by the scheduler's fleet cap (`SCHEDULE_MAX_ACTIVE`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE syncs ADD COLUMN trigger text NOT NULL DEFAULT 'user' CHECK (trigger IN ('user','schedule'))`.execute(db);
  // The scheduler's cap counts scheduled syncs that are queued or running.
  await sql`CREATE INDEX syncs_active_scheduled_idx ON syncs (status) WHERE trigger = 'schedule' AND status IN ('queued','running')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS syncs_active_scheduled_idx`.execute(db);
  await sql`ALTER TABLE syncs DROP COLUMN IF EXISTS trigger`.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * Change events and the change feed (DESIGN.md "Schedules, change events and webhooks"). Bookkeeping,
 * so outside schema `canvas`:
 * - `change_counters`: one row per user holding the last feed and event sequence numbers. A writer
 *   bumps it at the end of the transaction that changed rows; its row lock, held to commit, orders
 *   the user's transactions, so the numbers it hands out are in commit order with no gaps
 *   (docs/architecture.md, "Change feed ordering"). `feed_pruned_through`: feed rows up to this seq
 *   are gone (retention or erasure), so an older cursor is refused rather than silently skipping.
 * - `event_outbox`: every `canvas.changes` and `sync.finished` event, written in the transaction of
 *   the change it describes; a relay publishes it to JetStream and stamps `published_at`.
 * - `change_feed`: one row per changed Canvas row, what `GET /api/v1/canvas/changes` pages through.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE change_counters (
      user_id text PRIMARY KEY,
      feed_seq bigint NOT NULL DEFAULT 0,
      event_seq bigint NOT NULL DEFAULT 0,
      feed_pruned_through bigint NOT NULL DEFAULT 0
    )`.execute(db);
  await sql`
    CREATE TABLE event_outbox (
      event_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id text NOT NULL,
      user_seq bigint NOT NULL,
      type text NOT NULL CHECK (type IN ('canvas.changes','sync.finished')),
      correlation_id text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz,
      UNIQUE (user_id, user_seq)
    )`.execute(db);
  // The relay's work list stays small however many events were published before it.
  await sql`CREATE INDEX event_outbox_pending_idx ON event_outbox (user_id, user_seq) WHERE published_at IS NULL`.execute(db);
  await sql`CREATE INDEX event_outbox_published_idx ON event_outbox (published_at) WHERE published_at IS NOT NULL`.execute(db);
  await sql`
    CREATE TABLE change_feed (
      user_id text NOT NULL,
      seq bigint NOT NULL,
      resource text NOT NULL,
      id bigint NOT NULL,
      action text NOT NULL CHECK (action IN ('created','updated','deleted')),
      at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, seq)
    )`.execute(db);
  // Retention prunes by age.
  await sql`CREATE INDEX change_feed_at_idx ON change_feed (at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS change_feed`.execute(db);
  await sql`DROP TABLE IF EXISTS event_outbox`.execute(db);
  await sql`DROP TABLE IF EXISTS change_counters`.execute(db);
}

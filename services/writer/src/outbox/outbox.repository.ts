import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '@canvas-sync/shared';

type Tx = Transaction<Database>;

/** An outbox row ready to publish. */
export interface PendingEvent {
  event_id: string;
  user_id: string;
  user_seq: number;
  type: 'canvas.changes' | 'sync.finished';
  correlation_id: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

/** First key of the relay's per-user advisory locks (the second is the user id's hash). */
const RELAY_LOCK = 7245016;

/** Users with unpublished events, those waiting longest first. */
export async function usersWithPending(tx: Tx, limit: number): Promise<string[]> {
  const r = await sql<{ user_id: string }>`
    SELECT user_id FROM event_outbox WHERE published_at IS NULL
    GROUP BY user_id ORDER BY min(created_at) LIMIT ${limit}`.execute(tx);
  return r.rows.map((row) => row.user_id);
}

/**
 * Claims a user's events for this transaction: only one relay (of any replica) publishes a
 * user's events at a time, so they reach the stream in the user's order. A hash collision only
 * makes two users share a relay, never reorders one.
 */
export async function claimUser(tx: Tx, userId: string): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${RELAY_LOCK}, hashtext(${userId})) AS ok`.execute(tx);
  return r.rows[0]?.ok === true;
}

/** The user's oldest unpublished events, in their order. */
export async function pendingOf(tx: Tx, userId: string, limit: number): Promise<PendingEvent[]> {
  return tx
    .selectFrom('event_outbox')
    .select(['event_id', 'user_id', 'user_seq', 'type', 'correlation_id', 'payload', 'created_at'])
    .where('user_id', '=', userId)
    .where('published_at', 'is', null)
    .orderBy('user_seq')
    .limit(limit)
    .execute();
}

export async function markPublished(tx: Tx, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await sql`UPDATE event_outbox SET published_at = now() WHERE event_id = ANY(${eventIds}::uuid[])`.execute(tx);
}

/** Unpublished events and the age of the oldest, for the backlog metrics. */
export async function outboxBacklog(db: Kysely<Database>): Promise<{ count: number; oldestSeconds: number }> {
  const r = await sql<{ count: number; oldest: number | null }>`
    SELECT count(*)::int AS count, extract(epoch FROM now() - min(created_at))::float8 AS oldest
    FROM event_outbox WHERE published_at IS NULL`.execute(db);
  return { count: r.rows[0]?.count ?? 0, oldestSeconds: Math.max(0, r.rows[0]?.oldest ?? 0) };
}

/**
 * Removes published events older than `publishedHours` (the stream keeps them 7 days) and feed
 * rows older than `feedDays` (0: kept), a bounded number per call. A user's pruned feed seqs are
 * remembered, so a cursor from before them is refused as expired rather than skipping changes.
 */
export async function prune(db: Kysely<Database>, options: { publishedHours: number; feedDays: number; batch: number }): Promise<{ events: number; feedUsers: number }> {
  const events = await sql`
    DELETE FROM event_outbox WHERE event_id IN (
      SELECT event_id FROM event_outbox WHERE published_at < now() - make_interval(hours => ${options.publishedHours}) LIMIT ${options.batch})`.execute(db);
  let feed = 0n;
  if (options.feedDays > 0) {
    const r = await sql`
      WITH gone AS (
        DELETE FROM change_feed WHERE (user_id, seq) IN (
          SELECT user_id, seq FROM change_feed WHERE at < now() - make_interval(days => ${options.feedDays}) LIMIT ${options.batch})
        RETURNING user_id, seq)
      UPDATE change_counters c SET feed_pruned_through = g.last
      FROM (SELECT user_id, max(seq) AS last FROM gone GROUP BY user_id) g
      WHERE c.user_id = g.user_id AND c.feed_pruned_through < g.last`.execute(db);
    feed = r.numAffectedRows ?? 0n;
  }
  return { events: Number(events.numAffectedRows ?? 0n), feedUsers: Number(feed) };
}

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

/** What one relay round claimed (see {@link claimDue}). */
export interface Claimed {
  /** The claimed users' oldest unpublished events: by user (longest waiting first), each user's in their order. */
  events: PendingEvent[];
  /** Some user has more than the batch, or more users wait than one round serves: go again at once. */
  more: boolean;
  /** Some user with unpublished events is held by another relay's round. */
  busy: boolean;
}

/**
 * One statement for a round's work list: the users with unpublished events (those waiting longest
 * first, up to `users`), for each a transaction-scoped advisory lock — only one relay (of any
 * replica) publishes a user's events at a time, so they reach the stream in the user's order; a
 * hash collision only makes two users share a relay, never reorders one — and the oldest `batch`
 * unpublished events of each user this transaction got.
 *
 * The statement's snapshot is taken before its locks: a relay that committed a user's round just
 * before we got the user's lock would still look unpublished in it. The events are therefore read
 * `FOR NO KEY UPDATE`, which (READ COMMITTED) re-reads each row's latest version and drops those
 * published meanwhile, as reading them in a statement after the lock would.
 */
export async function claimDue(tx: Tx, limits: { users: number; batch: number }): Promise<Claimed> {
  const r = await sql<{ user_id: string; claimed: boolean; users: number } & Partial<PendingEvent>>`
    WITH due AS MATERIALIZED (
      SELECT user_id, since, count(*) OVER ()::int AS users,
        pg_try_advisory_xact_lock(${RELAY_LOCK}, hashtext(user_id)) AS claimed
      FROM (SELECT user_id, min(created_at) AS since FROM event_outbox WHERE published_at IS NULL
            GROUP BY user_id ORDER BY since LIMIT ${limits.users}) waiting
    )
    SELECT due.user_id, due.claimed, due.users, e.event_id, e.user_seq, e.type, e.correlation_id, e.payload, e.created_at
    FROM due LEFT JOIN LATERAL (
      SELECT o.event_id, o.user_seq, o.type, o.correlation_id, o.payload, o.created_at FROM event_outbox o
      WHERE due.claimed AND o.user_id = due.user_id AND o.published_at IS NULL
      ORDER BY o.user_seq LIMIT ${limits.batch}
      FOR NO KEY UPDATE
    ) e ON true
    ORDER BY due.since, due.user_id, e.user_seq`.execute(tx);
  const events: PendingEvent[] = [];
  const perUser = new Map<string, number>();
  for (const row of r.rows) {
    if (row.event_id === null || row.event_id === undefined) continue;
    events.push({ event_id: row.event_id, user_id: row.user_id, user_seq: row.user_seq!, type: row.type!, correlation_id: row.correlation_id!, payload: row.payload!, created_at: row.created_at! });
    perUser.set(row.user_id, (perUser.get(row.user_id) ?? 0) + 1);
  }
  const users = r.rows[0]?.users ?? 0;
  return {
    events,
    more: users >= limits.users || [...perUser.values()].some((n) => n >= limits.batch),
    busy: r.rows.some((row) => !row.claimed),
  };
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

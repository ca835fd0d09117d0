import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, SyncRow } from '../db/schema.js';
import { CanvasChanges } from '../messages/canvas-changes.js';
import { SyncFinished } from '../messages/sync-finished.js';
import { changeEvents, syncFinishedPayload, type ChangeBatch } from './change-events.js';

/** The database handle of the transaction that made the change (a `Transaction<Database>`). */
type Tx = Kysely<Database>;

/** What to record with {@link recordChanges}. */
export interface ChangeRecord {
  userId: string;
  syncId: string;
  /** The rows this transaction created, updated or deleted (empty ids are ignored). */
  batches?: ChangeBatch[];
  /** A sync row this transaction moved to a terminal status: its `sync.finished` goes last. */
  finished?: SyncRow;
}

/**
 * Writes the change events (outbox) and change-feed rows of a write, inside the transaction that
 * made it: no event for a rolled-back write, no write without its event.
 *
 * The user's sequence numbers come from bumping their `change_counters` row. Its row lock is held
 * to commit, so another transaction of the same user waits here and then numbers after it: the
 * numbers follow commit order with no gaps, which the feed's readers (and the relay's per-user
 * order) rely on. Call it as late as possible in the transaction (the lock is held from here) and
 * after any lock on the sync row (every caller takes sync row → counter, never the reverse).
 */
export async function recordChanges(tx: Tx, record: ChangeRecord): Promise<void> {
  const ctes = changeRecordCtes(record);
  if (ctes) await sql`WITH ${ctes} SELECT 1`.execute(tx);
}

/**
 * The common table expressions that write what {@link recordChanges} writes, for a statement that
 * does more (the writer's records part: its checkpoint, the sync row's lock and its changes in one
 * round trip); `undefined` when the record has nothing to write. They are named `change_counter`,
 * `change_events` and `change_rows`. `after`: the name of an earlier expression of the same
 * statement that the counter's bump must follow — the statement's expressions otherwise run in no
 * set order, and the lock order (sync row, then counter) must hold within one statement too. The
 * bump reads that expression to its end (a `count(*)` of it) before it locks the counter.
 */
export function changeRecordCtes(record: ChangeRecord, after?: string): RawBuilder<unknown> | undefined {
  const events: Array<{ type: 'canvas.changes' | 'sync.finished'; payload: unknown }> = [];
  const feed: Array<{ resource: string; id: number; action: 'created' | 'updated' | 'deleted' }> = [];
  for (const batch of record.batches ?? []) {
    // Parsed before it is stored, as a publish would: the relay must never hold an unpublishable row.
    for (const payload of changeEvents(record.userId, record.syncId, batch)) events.push({ type: 'canvas.changes', payload: CanvasChanges.parse(payload) });
    for (const action of ['created', 'updated', 'deleted'] as const) {
      for (const id of batch[action]) feed.push({ resource: batch.resource, id, action });
    }
  }
  const finished = record.finished && syncFinishedPayload(record.finished);
  if (finished) events.push({ type: 'sync.finished', payload: SyncFinished.parse(finished) });
  if (events.length === 0 && feed.length === 0) return undefined;

  // The counter bump hands its new range to the two inserts. The inserts read the range from the
  // bump's RETURNING, so they run after it, under its lock.
  const bump = after
    ? sql`SELECT ${record.userId}::text, ${feed.length}::bigint, ${events.length}::bigint FROM (SELECT count(*) FROM ${sql.table(after)}) AS after_it`
    : sql`VALUES (${record.userId}, ${feed.length}, ${events.length})`;
  return sql`
    change_counter AS (
      INSERT INTO change_counters AS c (user_id, feed_seq, event_seq) ${bump}
      ON CONFLICT (user_id) DO UPDATE SET feed_seq = c.feed_seq + excluded.feed_seq, event_seq = c.event_seq + excluded.event_seq
      RETURNING c.feed_seq - ${feed.length}::bigint AS feed_base, c.event_seq - ${events.length}::bigint AS event_base
    ), change_events AS (
      INSERT INTO event_outbox (user_id, user_seq, type, correlation_id, payload)
      SELECT ${record.userId}, change_counter.event_base + e.ord, e.type, ${record.syncId}, e.payload
      FROM change_counter, jsonb_to_recordset(${JSON.stringify(events.map((e, i) => ({ ord: i + 1, ...e })))}::jsonb) AS e(ord int, type text, payload jsonb)
    ), change_rows AS (
      INSERT INTO change_feed (user_id, seq, resource, id, action)
      SELECT ${record.userId}, change_counter.feed_base + f.ord, f.resource, f.id, f.action
      FROM change_counter, unnest(${feed.map((f) => f.resource)}::text[], ${feed.map((f) => f.id)}::bigint[], ${feed.map((f) => f.action)}::text[])
        WITH ORDINALITY AS f(resource, id, action, ord)
    )`;
}

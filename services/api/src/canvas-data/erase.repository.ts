import { sql, type Kysely } from 'kysely';
import type { Database } from '@canvas-sync/shared';

const ACTIVE = ['queued', 'running'];

/** Refused: the user has a sync in flight, which would write rows right back. */
export interface EraseRefused {
  activeSyncId: string;
}

/**
 * Erases what was synced about one user, in one transaction: their rows in every table of schema
 * `canvas` (found in the catalog, so a table added later is covered without touching this), their
 * checkpoints (`sync_units`, `sync_unit_parts`), their sync history (`syncs`) and change feed. Other users'
 * rows are never touched (every statement is keyed by `user_id`). Refused while a sync is queued
 * or running: its writer would put rows back. The connection row stays (disconnect is separate).
 */
export async function eraseUserData(db: Kysely<Database>, userId: string): Promise<EraseRefused | undefined> {
  return db.transaction().execute(async (trx) => {
    const active = await trx.selectFrom('syncs').select('id').where('user_id', '=', userId).where('status', 'in', ACTIVE).forUpdate().executeTakeFirst();
    if (active) return { activeSyncId: active.id };
    const tables = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.columns
      WHERE table_schema = 'canvas' AND column_name = 'user_id'
      ORDER BY table_name`.execute(trx);
    for (const { table_name } of tables.rows) {
      await sql`DELETE FROM ${sql.table(`canvas.${table_name}`)} WHERE user_id = ${userId}`.execute(trx);
    }
    const finished = trx.selectFrom('syncs').select('id').where('user_id', '=', userId).where('status', 'not in', ACTIVE);
    await trx.deleteFrom('sync_unit_parts').where('sync_id', 'in', finished).execute();
    await trx.deleteFrom('sync_units').where('sync_id', 'in', finished).execute();
    await trx.deleteFrom('syncs').where('user_id', '=', userId).where('status', 'not in', ACTIVE).execute();
    // The change feed names rows that are gone now. The counter stays, so seqs keep rising, and
    // marks everything so far as erased: a cursor from before is refused (cursor_expired), not
    // silently short of what it missed.
    await trx.deleteFrom('change_feed').where('user_id', '=', userId).execute();
    await trx.updateTable('change_counters').set({ feed_pruned_through: sql<number>`feed_seq` }).where('user_id', '=', userId).execute();
    return undefined;
  });
}

import { sql, type Transaction } from 'kysely';
import type { Database, SyncRow, SyncUpdate } from '@canvas-sync/shared';

/**
 * Updates a locked sync row and bumps `seq`, so the notifier can order the progress event this
 * change produces. Returns the row as committed (the caller publishes it after commit).
 */
export async function updateSync(tx: Transaction<Database>, syncId: string, changes: SyncUpdate): Promise<SyncRow> {
  return tx
    .updateTable('syncs')
    .set(changes)
    .set({ seq: sql<number>`seq + 1`, updated_at: sql<Date>`now()` })
    .where('id', '=', syncId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Marks activity without a visible change (keeps the stall watchdog away from a busy sync). */
export async function touchSync(tx: Transaction<Database>, syncId: string): Promise<void> {
  await tx.updateTable('syncs').set({ updated_at: sql<Date>`now()` }).where('id', '=', syncId).execute();
}

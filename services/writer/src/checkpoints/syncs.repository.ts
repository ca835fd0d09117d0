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
    .set(nextSeq())
    .where('id', '=', syncId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** What every visible change of a sync row sets besides its own: the next `seq`, `updated_at`. */
export function nextSeq() {
  return { seq: sql<number>`seq + 1`, updated_at: sql<Date>`now()` };
}

/** A warning on a sync (partial success), as the `warnings` column holds it. */
export interface SyncWarning {
  code: string;
  message: string;
  unitKey?: string;
}

/** The most warnings a sync keeps (the latest); a hostile Canvas must not grow the row without end. */
export const MAX_SYNC_WARNINGS = 100;

/**
 * Adds warnings to a sync row locked by the caller (`current` is its list as read under that lock).
 * A warning equal to one already there is not added again, so a re-fetched unit, whose parts
 * say the same, does not repeat itself. Returns whether anything was added.
 */
export async function addWarnings(tx: Transaction<Database>, syncId: string, current: SyncWarning[], more: SyncWarning[]): Promise<boolean> {
  const key = (w: SyncWarning) => `${w.code}\n${w.unitKey ?? ''}\n${w.message}`;
  const known = new Set(current.map(key));
  const fresh = more.filter((w) => !known.has(key(w)) && known.add(key(w)));
  if (fresh.length === 0) return false;
  await tx.updateTable('syncs').set({ warnings: JSON.stringify([...current, ...fresh].slice(-MAX_SYNC_WARNINGS)) }).where('id', '=', syncId).execute();
  return true;
}

import type { SyncRow } from '../db/schema.js';

/** Facts from the user's earlier syncs, used when this one has no rate yet. */
export interface EtaHistory {
  /** Average seconds per unit in the user's recent completed syncs. */
  secondsPerUnit: number;
}

/**
 * Seconds left, from the rate of units done so far in this sync; or, before the first unit is done,
 * from the user's earlier syncs when the total is known. `null` when there is no honest basis
 * (no total yet, no history) or the sync is not running.
 */
export function estimateEtaSeconds(
  row: Pick<SyncRow, 'status' | 'units_done' | 'units_total' | 'started_at' | 'plan_ready'>,
  now: Date,
  history?: EtaHistory,
): number | null {
  if (row.status !== 'running' || !row.plan_ready || row.units_total <= 0) return null;
  const remaining = Math.max(0, row.units_total - row.units_done);
  if (remaining === 0) return 0;
  if (row.units_done > 0 && row.started_at) {
    const elapsed = (now.getTime() - new Date(row.started_at).getTime()) / 1000;
    return Math.max(0, Math.round((elapsed / row.units_done) * remaining));
  }
  return history ? Math.round(history.secondsPerUnit * remaining) : null;
}

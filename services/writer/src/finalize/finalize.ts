import type { Transaction } from 'kysely';
import { recordChanges, RESOURCES, type Database, type Resource, type SyncRow } from '@canvas-sync/shared';
import { unitTotals, type UnitTotals } from '../checkpoints/checkpoints.repository.js';
import { updateSync } from '../checkpoints/syncs.repository.js';
import { plannedChanges, sweepUnseen } from './sweep.repository.js';

type Tx = Transaction<Database>;
type Counts = Record<string, Record<string, number>>;

/**
 * Completes a running sync once its plan is stored and no unit is pending: in a full sync, marks
 * what was not seen as deleted; in a dry run, computes the diff instead of writing; then sets
 * `completed` with a summary, its deletions' change events and `sync.finished` (outbox). Runs in the transaction that finished the last unit, under the
 * sync row's lock, so exactly one writer completes a sync. `known`: the unit totals as read under
 * that lock since the last unit was finished (saves reading them again).
 */
export async function completeIfDone(tx: Tx, sync: SyncRow, known?: UnitTotals): Promise<SyncRow | undefined> {
  if (sync.status !== 'running' || !sync.plan_ready) return undefined;
  const totals = known ?? (await unitTotals(tx, sync.id));
  if (!totals.listed || totals.pending > 0) return undefined;

  const counts: Counts = structuredClone(sync.counts);
  let diff: Record<string, { create: number[]; update: number[]; delete: number[] }> | null = null;
  const sweep = sync.mode === 'full';
  const deleted: Record<string, number[]> = sweep ? await sweepUnseen(tx, sync, !sync.dry_run) : {};
  for (const [resource, ids] of Object.entries(deleted)) {
    (counts[resource] ??= { created: 0, updated: 0, unchanged: 0, deleted: 0 }).deleted = ids.length;
  }
  if (sync.dry_run) {
    const changes = await plannedChanges(tx, sync.id);
    diff = {};
    for (const resource of RESOURCES) {
      diff[resource] = { create: changes[resource]?.create ?? [], update: changes[resource]?.update ?? [], delete: deleted[resource] ?? [] };
    }
  }
  const completed = await updateSync(tx, sync.id, {
    status: 'completed',
    phase: 'done',
    finished_at: new Date(),
    units_done: totals.done,
    units_total: totals.total,
    counts: JSON.stringify(counts),
    diff: diff ? JSON.stringify(diff) : null,
    message: summary(counts, sync.dry_run),
  });
  // The sweep's deletions (none in a dry run: nothing was written) and then `sync.finished`.
  const batches = sync.dry_run ? [] : Object.entries(deleted).map(([resource, ids]) => ({ resource: resource as Resource, created: [], updated: [], deleted: ids }));
  await recordChanges(tx, { userId: sync.user_id, syncId: sync.id, batches, finished: completed });
  return completed;
}

const seen = (c: Record<string, number> | undefined) => (c ? (c.created ?? 0) + (c.updated ?? 0) + (c.unchanged ?? 0) : 0);

/** "12 courses, 156 assignments, 24 categories, 140 grades" — what the user sees at the end. */
export function summary(counts: Counts, dryRun: boolean): string {
  const parts = [
    `${seen(counts.courses)} courses`,
    `${seen(counts.assignments)} assignments`,
    `${seen(counts.assignment_groups)} categories`,
    `${seen(counts.submissions)} grades`,
  ];
  const deleted = Object.values(counts).reduce((n, c) => n + (c.deleted ?? 0), 0);
  const text = parts.join(', ') + (deleted ? `; ${deleted} removed` : '');
  return dryRun ? `Preview: ${text}` : `Synced ${text}`;
}

import type { SyncRow } from '@canvas-sync/shared';
import { waitFor, type PipelineHarness } from '@canvas-sync/testkit';

/** One connected user of a batch: who they are on the simulator that serves them. */
export interface BatchUser {
  userId: string;
  simUserId: number;
}

/** A finished sync of a batch: its row, and its time from creation to its end (database clocks). */
export interface BatchSync {
  user: BatchUser;
  row: SyncRow;
  ms: number;
}

const TERMINAL = ['completed', 'failed', 'cancelled'];

/** Starts one full sync per user, all at once; returns their ids in the same order. */
export async function startBatch(h: PipelineHarness, users: BatchUser[], chunkSize = 5): Promise<string[]> {
  const ids: string[] = [];
  for (const u of users) ids.push(await h.startSync(u.userId, { chunkSize }));
  return ids;
}

/** Waits until every sync of `ids` has ended (or `timeoutMs`), then reads their rows. */
export async function finishBatch(h: PipelineHarness, users: BatchUser[], ids: string[], timeoutMs: number): Promise<BatchSync[]> {
  const db = h.database.db;
  let open: string[] = [];
  await waitFor(async () => {
    const rows = await db.selectFrom('syncs').select(['id']).where('id', 'in', ids).where('status', 'not in', TERMINAL).execute();
    open = rows.map((r) => r.id);
    return open.length === 0;
  }, timeoutMs, () => `every sync of the batch to end (${open.length} still open)`);
  const rows = await db.selectFrom('syncs').selectAll().where('id', 'in', ids).execute();
  return ids.map((id, i) => {
    const row = rows.find((r) => r.id === id)!;
    return { user: users[i]!, row, ms: (row.finished_at?.getTime() ?? Number.NaN) - row.created_at.getTime() };
  });
}

/** Sync times of a batch: nearest-rank percentiles (p95 of 20 is the 19th fastest). */
export interface Durations {
  count: number;
  minMs: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

export function durations(syncs: BatchSync[]): Durations {
  const sorted = syncs.map((s) => s.ms).sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  return { count: sorted.length, minMs: sorted[0]!, medianMs: rank(0.5), p95Ms: rank(0.95), maxMs: sorted[sorted.length - 1]! };
}

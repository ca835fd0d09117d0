import { z } from 'zod';
import type { SyncRow } from '../db/schema.js';
import { ErrorInfo, SyncCounts, SyncMode, SyncPhase, SyncScope, SyncStatus } from '../messages/common.js';
import { Progress, type SyncProgress } from '../messages/sync-progress.js';
import { estimateEtaSeconds } from './eta.js';

/** Ids a dry run would create, update and delete, per resource. */
export const SyncDiff = z.record(z.string(), z.object({ create: z.array(z.number()), update: z.array(z.number()), delete: z.array(z.number()) }));
export type SyncDiff = z.infer<typeof SyncDiff>;

/** A warning kept on a sync (partial success): a course that could not be read, and why. */
export const SyncWarning = z.object({ code: z.string(), message: z.string(), unitKey: z.string().optional() });

/** The public shape of a sync: `GET /api/v1/syncs/:id` and the WebSocket snapshot (DESIGN.md). */
export const SyncView = z.object({
  id: z.string().uuid(),
  status: SyncStatus,
  scope: SyncScope,
  mode: SyncMode,
  dryRun: z.boolean(),
  /** What started it: a person, or the user's schedule. */
  trigger: z.enum(['user', 'schedule']),
  chunkSize: z.number().int(),
  phase: SyncPhase,
  progress: Progress,
  etaSeconds: z.number().nullable(),
  counts: SyncCounts,
  warnings: z.array(SyncWarning),
  message: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  elapsedSeconds: z.number().nullable(),
  seq: z.number().int(),
  error: ErrorInfo.optional(),
  diff: SyncDiff.optional(),
});
export type SyncView = z.infer<typeof SyncView>;

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** Progress of a sync row: units done of units planned; 100 % once completed. */
export function progressOf(row: Pick<SyncRow, 'status' | 'units_done' | 'units_total'>): z.infer<typeof Progress> {
  const total = row.units_total;
  const done = Math.min(row.units_done, total);
  const percent = row.status === 'completed' ? 100 : total > 0 ? Math.floor((done / total) * 1000) / 10 : 0;
  return { done, total, percent };
}

/** Maps a `syncs` row to its public view. `now` is injectable for tests. */
export function toSyncView(row: SyncRow, now: Date = new Date()): SyncView {
  const startedAt = iso(row.started_at);
  const end = row.finished_at ? new Date(row.finished_at) : now;
  const view: SyncView = {
    id: row.id,
    status: row.status as SyncView['status'],
    scope: row.scope,
    mode: row.mode as SyncView['mode'],
    dryRun: row.dry_run,
    trigger: row.trigger,
    chunkSize: row.chunk_size,
    phase: row.phase as SyncView['phase'],
    progress: progressOf(row),
    etaSeconds: estimateEtaSeconds(row, now),
    counts: row.counts as SyncView['counts'],
    warnings: row.warnings,
    message: row.message,
    createdAt: iso(row.created_at)!,
    startedAt,
    finishedAt: iso(row.finished_at),
    elapsedSeconds: row.started_at ? Math.max(0, Math.round((end.getTime() - new Date(row.started_at).getTime()) / 1000)) : null,
    seq: row.seq,
  };
  if (row.error) view.error = row.error;
  if (row.diff) view.diff = row.diff as SyncDiff;
  return view;
}

/** The progress event for the state a row is in (what the notifier pushes as a frame). */
export function toProgressEvent(row: SyncRow, now: Date = new Date()): SyncProgress {
  const event: SyncProgress = {
    syncId: row.id,
    userId: row.user_id,
    seq: row.seq,
    status: row.status as SyncProgress['status'],
    phase: row.phase as SyncProgress['phase'],
    progress: progressOf(row),
    etaSeconds: estimateEtaSeconds(row, now),
    counts: row.counts as SyncProgress['counts'],
    message: row.message.slice(0, 500),
  };
  if (row.error) event.error = row.error;
  return event;
}

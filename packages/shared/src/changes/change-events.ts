import { RESOURCES, type Resource, type SyncCounts } from '../messages/common.js';
import type { CanvasChanges, ChangedSubmission } from '../messages/canvas-changes.js';
import type { SyncFinished } from '../messages/sync-finished.js';
import type { SyncRow } from '../db/schema.js';

/** What one committed write did to the rows of one resource. */
export interface ChangeBatch {
  resource: Resource;
  created: number[];
  updated: number[];
  deleted: number[];
  /** For submissions: the new state of the created and updated ones. */
  submissions?: ChangedSubmission[];
}

/**
 * Payload bytes one `canvas.changes` event may take. Far under `MAX_MESSAGE_BYTES` (1 MiB): the
 * envelope adds little, and a consumer (or a webhook receiver) handles modest bodies better.
 */
export const CHANGE_EVENT_BYTES = 256 * 1024;

const idBytes = (id: number) => String(id).length + 1;

/**
 * Splits one batch into `canvas.changes` payloads each under `budget` bytes of JSON: a full sync's
 * sweep can delete 100,000 ids at once. Ids keep their order (created, updated, deleted); a
 * submission's details travel with its id. A batch with no ids gives no event.
 */
export function changeEvents(userId: string, syncId: string, batch: ChangeBatch, budget = CHANGE_EVENT_BYTES): CanvasChanges[] {
  const details = new Map((batch.submissions ?? []).map((s) => [s.id, s]));
  const withDetails = batch.resource === 'submissions' && batch.submissions !== undefined;
  const out: CanvasChanges[] = [];
  // 300 bytes: the payload's keys, user id (≤200) and sync id.
  const fresh = (): CanvasChanges => ({ userId, syncId, resource: batch.resource, created: [], updated: [], deleted: [], ...(withDetails ? { submissions: [] } : {}) });
  let current = fresh();
  let size = 300 + userId.length;
  const add = (key: 'created' | 'updated' | 'deleted', id: number) => {
    const detail = key === 'deleted' ? undefined : details.get(id);
    const cost = idBytes(id) + (detail ? JSON.stringify(detail).length + 1 : 0);
    if (size + cost > budget && current.created.length + current.updated.length + current.deleted.length > 0) {
      out.push(current);
      current = fresh();
      size = 300 + userId.length;
    }
    current[key].push(id);
    if (detail) current.submissions!.push(detail);
    size += cost;
  };
  for (const id of batch.created) add('created', id);
  for (const id of batch.updated) add('updated', id);
  for (const id of batch.deleted) add('deleted', id);
  if (current.created.length + current.updated.length + current.deleted.length > 0) out.push(current);
  return out;
}

/**
 * The `sync.finished` payload of a sync row in a terminal status (`undefined` for any other);
 * `dryRun` always written (optional in the schema only for older events).
 */
export function syncFinishedPayload(row: SyncRow): (SyncFinished & { dryRun: boolean }) | undefined {
  if (row.status !== 'completed' && row.status !== 'failed' && row.status !== 'cancelled') return undefined;
  const counts: SyncCounts = {};
  for (const resource of RESOURCES) {
    const c = row.counts[resource];
    if (c) counts[resource] = { created: c.created ?? 0, updated: c.updated ?? 0, unchanged: c.unchanged ?? 0, deleted: c.deleted ?? 0 };
  }
  const finishedAt = new Date(row.finished_at ?? row.updated_at).toISOString();
  return { syncId: row.id, userId: row.user_id, status: row.status, counts, finishedAt, trigger: row.trigger, dryRun: row.dry_run };
}

import type { ChangeBatch, ChangedSubmission, Resource } from '@canvas-sync/shared';
import type { PreparedRow } from '../records/prepare-rows.js';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * The change batch of one resource in one committed part: the ids the upsert created and updated,
 * and for submissions their new score, grade, workflow state and posted time (what a student app
 * announces), taken from the rows as written. A submission whose assignment id did not fit its
 * column is listed by id without details rather than blocking the part.
 */
export function changeBatch(resource: Resource, rows: PreparedRow[], result: { created: number[]; updated: number[] }): ChangeBatch {
  const batch: ChangeBatch = { resource, created: result.created, updated: result.updated, deleted: [] };
  if (resource !== 'submissions' || result.created.length + result.updated.length === 0) return batch;
  const byId = new Map(rows.map((r) => [r.id, r]));
  const submissions: ChangedSubmission[] = [];
  for (const id of [...result.created, ...result.updated]) {
    const row = byId.get(id);
    const assignmentId = num(row?.assignment_id);
    if (!row || assignmentId === null) continue;
    submissions.push({ id, assignmentId, score: num(row.score), grade: str(row.grade), workflowState: str(row.workflow_state), postedAt: str(row.posted_at) });
  }
  batch.submissions = submissions;
  return batch;
}

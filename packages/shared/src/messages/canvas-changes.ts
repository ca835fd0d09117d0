import { z } from 'zod';
import { defineMessage } from './envelope.js';
import { CanvasId, Resource, SyncId, UserId } from './common.js';

/** A submission as it is after the change: what a student app announces ("your grade was posted"). */
export const ChangedSubmission = z.object({
  id: CanvasId,
  assignmentId: CanvasId,
  score: z.number().nullable(),
  grade: z.string().nullable(),
  workflowState: z.string().nullable(),
  postedAt: z.string().nullable(),
});
export type ChangedSubmission = z.infer<typeof ChangedSubmission>;

/**
 * writer → platform teams (stream CANVAS_EVENTS, subject `canvas.changes.v1.<user token>`, see
 * `userSubjectToken`): the rows of one resource that one committed batch created, updated or
 * deleted. Published only for what was committed (an outbox written in the same transaction), at
 * least once: the envelope `id` is stable, so consumers dedupe on it.
 */
export const CanvasChanges = z.object({
  userId: UserId,
  syncId: SyncId,
  resource: Resource,
  created: z.array(CanvasId),
  updated: z.array(CanvasId),
  deleted: z.array(CanvasId),
  /** For `resource: "submissions"`: the created and updated submissions' new state. */
  submissions: z.array(ChangedSubmission).optional(),
});
export type CanvasChanges = z.infer<typeof CanvasChanges>;
export const canvasChanges = defineMessage('canvas.changes', 1, CanvasChanges);

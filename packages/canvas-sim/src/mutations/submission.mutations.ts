import { serializeSubmission } from '../data/assignment.serializer.js';
import { laterThan } from '../data/clock.js';
import type { Json } from '../data/model.js';
import { emptySubmission, gradeString } from '../data/submission.factory.js';
import type { World } from '../data/world.js';
import type { SimMutation } from '../mutation.types.js';
import { locate, MutationError, type Located } from './mutation-context.js';

type Op<K extends SimMutation['op']> = Extract<SimMutation, { op: K }>;

/** The owner's submission row for an assignment, created (unsubmitted) if it has none yet. */
function submissionFor(world: World, assignmentId: number, userId: number | undefined): Located & { submission: Json } {
  const located = locate(world, 'assignment', assignmentId);
  if (located.user.role !== 'student') throw new MutationError(`user ${located.user.id} is a teacher: teachers have no submissions`);
  if (userId !== undefined && userId !== located.user.id) throw new MutationError(`assignment ${assignmentId} does not belong to user ${userId}`);
  let submission = located.content.submissions.get(assignmentId);
  if (!submission) {
    submission = emptySubmission(located.item, { id: world.take(1), userId: located.user.id });
    located.content.submissions.set(assignmentId, submission);
  }
  return { ...located, submission };
}

export function submit(world: World, op: Op<'submit'>): Json {
  const { course, item, submission } = submissionFor(world, op.assignmentId, op.userId);
  const submittedAt = laterThan(submission['submitted_at'] as string | null, op.submittedAt);
  const due = typeof item['due_at'] === 'string' ? Date.parse(item['due_at']) : null;
  const late = due !== null && Date.parse(submittedAt) > due;
  const type = (item['submission_types'] as string[] | undefined)?.[0] ?? 'online_upload';
  Object.assign(submission, {
    submitted_at: submittedAt,
    submission_type: type === 'external_tool' ? 'basic_lti_launch' : type,
    attempt: ((submission['attempt'] as number | null) ?? 0) + 1,
    late,
    missing: false,
    seconds_late: late && due !== null ? Math.round((Date.parse(submittedAt) - due) / 1000) : 0,
  });
  // A resubmission after grading keeps the grade but no longer matches it.
  if (submission['workflow_state'] === 'graded') submission['grade_matches_current_submission'] = false;
  else submission['workflow_state'] = 'submitted';
  return serializeSubmission(world, submission, course.id);
}

/**
 * Grading sets graded_at (so `graded_since` sees it); clearing a grade and excusing do not, which is
 * exactly the blind spot CANVAS.md warns incremental sync about.
 */
export function gradeSubmission(world: World, op: Op<'gradeSubmission'>): Json {
  const { course, item, submission } = submissionFor(world, op.assignmentId, op.userId);
  if (op.excused) {
    Object.assign(submission, { excused: true, score: null, grade: null, entered_score: null, entered_grade: null, workflow_state: 'graded', late_policy_status: null });
  } else if (op.score === null) {
    Object.assign(submission, {
      excused: false, score: null, grade: null, entered_score: null, entered_grade: null,
      workflow_state: submission['submitted_at'] ? 'submitted' : 'unsubmitted',
    });
  } else if (op.score !== undefined) {
    const deducted = submission['late'] === true ? ((submission['points_deducted'] as number | null) ?? 0) : 0;
    const score = Math.max(0, op.score - deducted);
    Object.assign(submission, {
      excused: false,
      score,
      grade: gradeString(item, score),
      entered_score: op.score,
      entered_grade: gradeString(item, op.score),
      workflow_state: 'graded',
      graded_at: laterThan(submission['graded_at'] as string | null, op.gradedAt),
      grader_id: submission['grader_id'] ?? 1,
      grade_matches_current_submission: true,
    });
  } else {
    throw new MutationError('gradeSubmission needs score (number or null) or excused: true');
  }
  setPosted(submission, op.posted ?? true);
  return serializeSubmission(world, submission, course.id);
}

export function postGrade(world: World, op: Op<'postGrade'>): Json {
  const { course, submission } = submissionFor(world, op.assignmentId, op.userId);
  setPosted(submission, op.posted ?? true);
  return serializeSubmission(world, submission, course.id);
}

/** Once posted, posted_at keeps its first value; hiding clears it. */
function setPosted(submission: Json, posted: boolean): void {
  if (!posted) submission['posted_at'] = null;
  else if (submission['posted_at'] === null) submission['posted_at'] = laterThan(null);
}

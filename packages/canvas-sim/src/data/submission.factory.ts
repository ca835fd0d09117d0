import { DAY_MS, HOUR_MS, isoSeconds } from './clock.js';
import type { Json } from './model.js';
import type { Prng } from './prng.js';

export interface SubmissionInput {
  id: number;
  userId: number;
  graderId: number;
  epochMs: number;
}

const SUBMISSION_TYPE: Readonly<Record<string, string>> = {
  online_upload: 'online_upload',
  online_text_entry: 'online_text_entry',
  online_quiz: 'online_quiz',
  discussion_topic: 'discussion_topic',
  external_tool: 'basic_lti_launch',
};

/**
 * The student's submission for one assignment, in the stored (teacher's-eye) form: score and grade
 * are kept even when unposted; the serializer hides them. Scenario weights follow a typical term:
 * most past work graded, some late, a few missing, excused or waiting for grades to be posted.
 */
export function buildSubmission(prng: Prng, assignment: Json, input: SubmissionInput): Json {
  const s = emptySubmission(assignment, input);
  const dueMs = typeof assignment['due_at'] === 'string' ? Date.parse(assignment['due_at']) : null;
  const types = (assignment['submission_types'] as string[] | undefined) ?? [];
  const submittable = types[0] !== undefined && SUBMISSION_TYPE[types[0]] !== undefined;
  const gradable = assignment['grading_type'] !== 'not_graded';
  const past = dueMs !== null ? dueMs < input.epochMs : prng.chance(0.6);
  const anchor = dueMs ?? input.epochMs - prng.int(5, 60) * DAY_MS;
  if (!past) {
    if (submittable && prng.chance(0.15)) submit(prng, s, assignment, anchor - prng.int(1, 72) * HOUR_MS, false, input);
    return s;
  }
  const roll = prng.next();
  if (roll < 0.66) {
    const late = roll >= 0.58 && submittable && dueMs !== null;
    if (submittable) submit(prng, s, assignment, late ? anchor + prng.int(1, 96) * HOUR_MS : anchor - prng.int(1, 48) * HOUR_MS, late, input);
    if (gradable) grade(prng, s, assignment, input, true);
  } else if (roll < 0.74) {
    if (submittable) submit(prng, s, assignment, anchor - prng.int(1, 48) * HOUR_MS, false, input);
    if (gradable) grade(prng, s, assignment, input, false);
  } else if (roll < 0.84) {
    if (submittable) {
      submit(prng, s, assignment, anchor - prng.int(1, 48) * HOUR_MS, false, input);
      if (types[0] === 'online_quiz' && prng.chance(0.3)) s['workflow_state'] = 'pending_review';
    }
  } else if (roll < 0.93) {
    s['missing'] = submittable && dueMs !== null;
    if (s['missing'] && prng.chance(0.3)) {
      s['late_policy_status'] = 'missing';
      if (gradable) setScore(s, assignment, 0, input, prng, true);
    }
  } else if (roll < 0.97) {
    const gradedMs = Math.min(input.epochMs - HOUR_MS, anchor + prng.int(1, 5) * DAY_MS);
    Object.assign(s, { excused: true, workflow_state: 'graded', graded_at: isoSeconds(gradedMs), grader_id: input.graderId, posted_at: isoSeconds(gradedMs) });
  }
  return s;
}

/** An unsubmitted, ungraded submission row: what Canvas creates for each student on publish. */
export function emptySubmission(assignment: Json, input: Pick<SubmissionInput, 'id' | 'userId'>): Json {
  return {
    id: input.id,
    body: null,
    url: null,
    grade: null,
    score: null,
    submitted_at: null,
    assignment_id: assignment['id'],
    user_id: input.userId,
    submission_type: null,
    workflow_state: 'unsubmitted',
    grade_matches_current_submission: true,
    graded_at: null,
    grader_id: null,
    attempt: null,
    cached_due_date: assignment['due_at'] ?? null,
    excused: false,
    late_policy_status: null,
    points_deducted: null,
    grading_period_id: null,
    extra_attempts: null,
    posted_at: null,
    redo_request: false,
    custom_grade_status_id: null,
    sticker: null,
    late: false,
    missing: false,
    seconds_late: 0,
    entered_grade: null,
    entered_score: null,
  };
}

function submit(prng: Prng, s: Json, assignment: Json, atMs: number, late: boolean, input: SubmissionInput): void {
  const types = assignment['submission_types'] as string[];
  const type = SUBMISSION_TYPE[types[0] ?? ''] ?? 'online_upload';
  const dueMs = typeof assignment['due_at'] === 'string' ? Date.parse(assignment['due_at']) : atMs;
  const submittedMs = Math.min(atMs, input.epochMs - HOUR_MS);
  Object.assign(s, {
    submitted_at: isoSeconds(submittedMs),
    submission_type: type,
    workflow_state: 'submitted',
    attempt: prng.chance(0.85) ? 1 : prng.int(2, 3),
    body: type === 'online_text_entry' ? `<p>${'Response text. '.repeat(prng.int(3, 40)).trim()}</p>` : null,
    late: late && submittedMs > dueMs,
    seconds_late: late && submittedMs > dueMs ? Math.round((submittedMs - dueMs) / 1000) : 0,
  });
}

function grade(prng: Prng, s: Json, assignment: Json, input: SubmissionInput, posted: boolean): void {
  const points = Number(assignment['points_possible'] ?? 0);
  const raw = points * (0.55 + prng.next() * 0.45);
  setScore(s, assignment, Math.round(raw * 2) / 2, input, prng, posted);
}

function setScore(s: Json, assignment: Json, entered: number, input: SubmissionInput, prng: Prng, posted: boolean): void {
  const points = Number(assignment['points_possible'] ?? 0);
  const deducted = s['late'] === true ? Math.round(points * 0.1 * 100) / 100 : null;
  const score = Math.max(0, entered - (deducted ?? 0));
  const base = typeof s['submitted_at'] === 'string' ? Date.parse(s['submitted_at']) : input.epochMs - 10 * DAY_MS;
  const gradedMs = Math.min(input.epochMs - HOUR_MS, base + prng.int(1, 10 * 24) * HOUR_MS);
  Object.assign(s, {
    score,
    grade: gradeString(assignment, score),
    entered_score: entered,
    entered_grade: gradeString(assignment, entered),
    points_deducted: deducted,
    workflow_state: 'graded',
    graded_at: isoSeconds(gradedMs),
    grader_id: input.graderId,
    posted_at: posted ? isoSeconds(Math.min(input.epochMs - 60_000, gradedMs + prng.int(0, 48) * HOUR_MS)) : null,
  });
}

/** Canvas renders `grade` per the assignment's grading_type. */
export function gradeString(assignment: Json, score: number | null): string | null {
  if (score === null) return null;
  const points = Number(assignment['points_possible'] ?? 0);
  const ratio = points > 0 ? score / points : 0;
  switch (assignment['grading_type']) {
    case 'percent':
      return `${Math.round(ratio * 10_000) / 100}%`;
    case 'pass_fail':
      return ratio >= 1 ? 'complete' : 'incomplete';
    case 'letter_grade':
      return ratio >= 0.93 ? 'A' : ratio >= 0.9 ? 'A-' : ratio >= 0.87 ? 'B+' : ratio >= 0.83 ? 'B' : ratio >= 0.8 ? 'B-' : ratio >= 0.7 ? 'C' : ratio >= 0.6 ? 'D' : 'F';
    default:
      return String(score);
  }
}

import { DAY_MS, isoSeconds } from './clock.js';
import { generateDescription } from './description.generator.js';
import type { Json } from './model.js';
import { ASSIGNMENT_KINDS, GROUP_NAMES, WORDS } from './names.js';
import type { Prng } from './prng.js';

export interface AssignmentInput {
  id: number;
  courseId: number;
  groupId: number;
  position: number;
  number: number;
  /** created_at is drawn between these two instants */
  createdFrom: number;
  createdTo: number;
  dueFrom: number;
  dueTo: number;
  epochMs: number;
  forTeacher: boolean;
}

const GRADING_TYPES = ['points', 'points', 'points', 'points', 'points', 'points', 'points', 'points', 'percent', 'letter_grade', 'pass_fail', 'not_graded'] as const;
const SUBMISSION_TYPES: ReadonlyArray<readonly string[]> = [
  ['online_upload'], ['online_upload'], ['online_text_entry'], ['online_text_entry', 'online_upload'], ['online_quiz'],
  ['online_quiz'], ['discussion_topic'], ['external_tool'], ['none'], ['on_paper'],
];

/** One assignment as `/courses/:id/assignments` serves it, minus the per-request `html_url`. */
export function buildAssignment(prng: Prng, input: AssignmentInput): Json {
  const kind = prng.pick(ASSIGNMENT_KINDS);
  const gradingType = prng.pick(GRADING_TYPES);
  const createdMs = prng.int(input.createdFrom, Math.max(input.createdFrom, input.createdTo));
  const dueMs = prng.chance(0.85) ? alignDue(prng.int(input.dueFrom, Math.max(input.dueFrom, input.dueTo))) : null;
  // Teachers tweak assignments after creating them; never later than "now".
  const updatedMs = Math.min(input.epochMs - 60_000, createdMs + (prng.chance(0.6) ? prng.int(0, 30) * DAY_MS : 0) + prng.int(0, 3_600) * 1000);
  const postManually = prng.chance(0.1);
  const published = !input.forTeacher || prng.chance(0.95);
  const pastDue = dueMs !== null && dueMs < input.epochMs;
  const name = prng.chance(0.5) ? `${kind} ${input.number}` : `${kind} ${input.number}: ${prng.pick(WORDS)} ${prng.pick(WORDS)}`;
  const json: Json = {
    id: input.id,
    description: generateDescription(prng, input.courseId, input.id * 7),
    due_at: dueMs === null ? null : isoSeconds(dueMs),
    unlock_at: dueMs !== null && prng.chance(0.3) ? isoSeconds(dueMs - 7 * DAY_MS) : null,
    lock_at: dueMs !== null && prng.chance(0.2) ? isoSeconds(dueMs + 2 * DAY_MS) : null,
    points_possible: gradingType === 'not_graded' ? 0 : prng.pick([5, 10, 10, 15, 20, 25, 50, 100, 100]),
    grading_type: gradingType,
    assignment_group_id: input.groupId,
    grading_standard_id: null,
    created_at: isoSeconds(createdMs),
    updated_at: isoSeconds(Math.max(createdMs, updatedMs)),
    peer_reviews: false,
    automatic_peer_reviews: false,
    position: input.position,
    grade_group_students_individually: false,
    anonymous_peer_reviews: false,
    group_category_id: null,
    post_to_sis: false,
    moderated_grading: false,
    omit_from_final_grade: gradingType === 'not_graded',
    intra_group_peer_reviews: false,
    anonymous_instructor_annotations: false,
    anonymous_grading: false,
    graders_anonymous_to_graders: false,
    grader_count: 0,
    grader_comments_visible_to_graders: true,
    final_grader_id: null,
    grader_names_visible_to_final_grader: true,
    allowed_attempts: prng.chance(0.8) ? -1 : prng.int(1, 3),
    annotatable_attachment_id: null,
    hide_in_gradebook: false,
    course_id: input.courseId,
    name,
    submission_types: [...prng.pick(SUBMISSION_TYPES)],
    has_submitted_submissions: pastDue,
    due_date_required: false,
    max_name_length: 255,
    in_closed_grading_period: false,
    graded_submissions_exist: pastDue,
    is_quiz_assignment: false,
    can_duplicate: true,
    original_course_id: null,
    original_assignment_id: null,
    original_lti_resource_link_id: null,
    original_assignment_name: null,
    original_quiz_id: null,
    workflow_state: published ? 'published' : 'unpublished',
    important_dates: false,
    muted: postManually,
    has_overrides: false,
    sis_assignment_id: null,
    integration_id: null,
    integration_data: {},
    published,
    unpublishable: !pastDue,
    only_visible_to_overrides: false,
    locked_for_user: false,
    post_manually: postManually,
    anonymize_students: false,
    require_lockdown_browser: false,
    restrict_quantitative_data: false,
  };
  if (input.forTeacher) json['needs_grading_count'] = pastDue ? prng.int(0, 30) : 0;
  return json;
}

/** Teachers set due dates at round times, usually 23:59 local; keep minutes realistic. */
function alignDue(ms: number): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  return day + 5 * 3_600_000 + 59 * 60_000 + 59_000;
}

export function buildGroup(prng: Prng, id: number, position: number, weighted: boolean, groupCount: number): Json {
  const name = GROUP_NAMES[(position - 1) % GROUP_NAMES.length] ?? 'Assignments';
  let rules: Json = {};
  const roll = prng.next();
  if (roll < 0.15) rules = { drop_lowest: prng.int(1, 2) };
  else if (roll < 0.2) rules = { drop_highest: 1 };
  else if (roll < 0.25) rules = { drop_lowest: 1, never_drop: [] };
  return {
    id,
    name,
    position,
    group_weight: weighted ? Math.round(100 / groupCount) : 0,
    sis_source_id: null,
    integration_data: {},
    rules,
  };
}

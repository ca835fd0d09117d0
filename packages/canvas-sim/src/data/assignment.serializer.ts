import type { CourseContent, Json, UserRecord } from './model.js';
import type { World } from './world.js';

/**
 * Assignments the user may see, in Canvas's default order (group position, then position, then id).
 * Students never see unpublished assignments.
 */
export function visibleAssignments(user: UserRecord, content: CourseContent): Json[] {
  const groupPosition = new Map(content.groups.map((g) => [g['id'] as number, g['position'] as number]));
  return content.assignments
    .filter((a) => user.role === 'teacher' || a['published'] === true)
    .sort(
      (a, b) =>
        (groupPosition.get(a['assignment_group_id'] as number) ?? 0) - (groupPosition.get(b['assignment_group_id'] as number) ?? 0) ||
        (a['position'] as number) - (b['position'] as number) ||
        (a['id'] as number) - (b['id'] as number),
    );
}

export function sortedGroups(content: CourseContent): Json[] {
  return [...content.groups].sort((a, b) => (a['position'] as number) - (b['position'] as number) || (a['id'] as number) - (b['id'] as number));
}

export function serializeAssignment(world: World, assignment: Json): Json {
  const courseId = assignment['course_id'] as number;
  const id = assignment['id'] as number;
  return {
    ...assignment,
    html_url: `${world.baseUrl}/courses/${courseId}/assignments/${id}`,
    submissions_download_url: `${world.baseUrl}/courses/${courseId}/assignments/${id}/submissions?zip=1`,
  };
}

/** Keys a student may not see until the grade is posted: Canvas leaves them out rather than sending null. */
const HIDDEN_UNTIL_POSTED = ['score', 'grade', 'entered_score', 'entered_grade'];

/**
 * The student's view of a stored submission. An unposted grade is hidden: its keys are absent and
 * the state reads as if nobody had graded it, which is how "hidden" stays distinct from "ungraded".
 */
export function serializeSubmission(world: World, submission: Json, courseId: number): Json {
  const json: Json = { ...submission };
  if (json['posted_at'] === null && json['workflow_state'] === 'graded' && json['excused'] !== true) {
    for (const key of HIDDEN_UNTIL_POSTED) delete json[key];
    json['workflow_state'] = json['submitted_at'] ? 'submitted' : 'unsubmitted';
  }
  json['preview_url'] = `${world.baseUrl}/courses/${courseId}/assignments/${String(json['assignment_id'])}/submissions/${String(json['user_id'])}?preview=1&version=${String(json['attempt'] ?? 0)}`;
  return json;
}

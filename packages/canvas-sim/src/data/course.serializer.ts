import type { CourseRecord, Json, TermRecord, UserRecord } from './model.js';
import type { World } from './world.js';

export function serializeTerm(term: TermRecord): Json {
  return {
    id: term.id,
    name: term.name,
    start_at: term.start_at,
    end_at: term.end_at,
    created_at: term.created_at,
    workflow_state: term.workflow_state,
    grading_period_group_id: term.grading_period_group_id,
  };
}

/**
 * A course as `/courses` serves it. A course closed by its dates is only `{id,
 * access_restricted_by_date}`: Canvas withholds everything else, term included.
 */
export function serializeCourse(world: World, course: CourseRecord, user: UserRecord, includeTerm: boolean): Json {
  if (course.restricted) return { ...course.json };
  const teacher = user.role === 'teacher';
  const enrollment = {
    type: teacher ? 'teacher' : 'student',
    role: teacher ? 'TeacherEnrollment' : 'StudentEnrollment',
    role_id: teacher ? 4 : 3,
    user_id: user.id,
    enrollment_state: course.enrollmentState,
    limit_privileges_to_course_section: false,
  };
  const json: Json = { ...course.json, enrollments: [enrollment] };
  const term = world.term(course.termId);
  if (includeTerm && term) json['term'] = serializeTerm(term);
  return json;
}

export interface CourseFilter {
  enrollmentState?: string | null;
  states?: readonly string[];
}

const ENROLLMENT_FILTER: Readonly<Record<string, readonly string[]>> = {
  active: ['active'],
  invited_or_pending: ['invited'],
  completed: ['completed'],
};

/**
 * Which courses `/courses` lists. Canvas's default is the user's "current and invited" enrollments;
 * `enrollment_state` picks one state; `state[]` filters by course workflow state over all enrollments.
 * Students never see unpublished courses. Deleted courses are never listed.
 */
export function listCourses(world: World, user: UserRecord, filter: CourseFilter = {}): CourseRecord[] {
  const byEnrollment = filter.enrollmentState ? ENROLLMENT_FILTER[filter.enrollmentState] : undefined;
  const states = filter.states && filter.states.length > 0 ? expandStates(filter.states) : null;
  return world.coursesOf(user.id).filter((course) => {
    if (course.deleted) return false;
    const workflow = course.restricted ? 'available' : String(course.json['workflow_state']);
    if (user.role === 'student' && workflow === 'unpublished') return false;
    if (byEnrollment) return byEnrollment.includes(course.enrollmentState);
    if (states) return states.includes(workflow);
    return course.enrollmentState === 'active' || course.enrollmentState === 'invited';
  });
}

/** Canvas treats `unpublished` as also covering the legacy `created` and `claimed` states. */
function expandStates(states: readonly string[]): string[] {
  return states.includes('unpublished') ? [...states, 'created', 'claimed'] : [...states];
}

import { DAY_MS, isoSeconds } from './clock.js';
import type { CourseRecord, TermRecord, UserRecord } from './model.js';
import { SUBJECTS, TIME_ZONES, TOPICS } from './names.js';
import { createPrng, deriveSeed, randomString, type Prng } from './prng.js';

export interface CoursePlanInput {
  seed: number;
  epochMs: number;
  terms: readonly TermRecord[];
  /** reserves `count` consecutive ids and returns the first */
  take: (count: number) => number;
}

/**
 * Plans a user's courses: their JSON and reserved id ranges, not their content. Cheap enough for
 * 500 courses; content is generated per course on first use (see content.generator.ts).
 */
export function planCourses(user: UserRecord, input: CoursePlanInput): CourseRecord[] {
  const { spec } = user;
  const prng = createPrng(deriveSeed(input.seed, 'courses', user.index));
  const total = spec.courses + spec.restrictedCourses;
  const stubSlots = new Set<number>();
  while (stubSlots.size < spec.restrictedCourses) stubSlots.add(prng.int(0, total - 1));
  const courses: CourseRecord[] = [];
  let realIndex = 0;
  for (let slot = 0; slot < total; slot++) {
    courses.push(stubSlots.has(slot) ? planStub(user, slot, input) : planCourse(user, realIndex++, slot, input));
  }
  return courses;
}

function planStub(user: UserRecord, slot: number, input: CoursePlanInput): CourseRecord {
  const id = input.take(1);
  const past = input.terms[1] ?? input.terms[0];
  return {
    id,
    userId: user.id,
    restricted: true,
    deleted: false,
    termId: past?.id ?? 0,
    enrollmentState: 'active',
    json: { id, access_restricted_by_date: true },
    plan: { seed: deriveSeed(input.seed, 'stub', user.index, slot), groups: 0, assignments: 0, groupIdBase: 0, assignmentIdBase: 0, submissionIdBase: 0 },
  };
}

function planCourse(user: UserRecord, index: number, slot: number, input: CoursePlanInput): CourseRecord {
  const seed = deriveSeed(input.seed, 'course', user.index, slot);
  const prng = createPrng(seed);
  const id = input.take(1);
  const assignments = user.spec.assignmentsPerCourse ?? Math.round(user.spec.meanAssignments * (0.5 + prng.next()));
  const groups = assignments === 0 ? 1 : prng.int(3, 6);
  const groupIdBase = input.take(groups);
  const assignmentIdBase = input.take(Math.max(assignments, 1));
  const submissionIdBase = input.take(Math.max(assignments, 1));
  const term = pickTerm(prng, index, input.terms);
  return {
    id,
    userId: user.id,
    restricted: false,
    deleted: false,
    termId: term.id,
    enrollmentState: 'active',
    json: courseJson(prng, id, term, user, input.epochMs),
    plan: { seed, groups, assignments, groupIdBase, assignmentIdBase, submissionIdBase },
  };
}

/** The first course always sits in the Default Term, so every profile exercises its null dates. */
function pickTerm(prng: Prng, index: number, terms: readonly TermRecord[]): TermRecord {
  const at = (i: number): TermRecord => {
    const term = terms[i] ?? terms[0];
    if (!term) throw new Error('no terms');
    return term;
  };
  if (index === 0) return at(0);
  const roll = prng.next();
  if (roll < 0.6) return at(4);
  if (roll < 0.75) return at(2);
  if (roll < 0.85) return at(1);
  if (roll < 0.93) return at(0);
  return at(5);
}

export function courseJson(prng: Prng, id: number, term: TermRecord, user: UserRecord, epochMs: number): Record<string, unknown> {
  const [code, title] = prng.pick(SUBJECTS);
  const number = prng.int(100, 499);
  const section = prng.chance(0.4) ? ` - Section ${prng.int(1, 12)}` : '';
  const termStart = term.start_at ? Date.parse(term.start_at) : epochMs - 400 * DAY_MS;
  const datesSet = term.start_at !== null && prng.chance(0.5);
  const published = user.role === 'student' || prng.chance(0.9);
  return {
    id,
    name: `${code} ${number}: ${prng.pick(TOPICS)} ${title}${section}`,
    account_id: prng.pick([1, 3, 7, 12]),
    uuid: randomString(prng, 40),
    start_at: datesSet ? term.start_at : null,
    grading_standard_id: null,
    is_public: false,
    created_at: isoSeconds(termStart - prng.int(10, 90) * DAY_MS - prng.int(0, 86_399) * 1000),
    course_code: `${code} ${number}`,
    default_view: prng.pick(['modules', 'modules', 'wiki', 'feed', 'assignments', 'syllabus']),
    root_account_id: 1,
    enrollment_term_id: term.id,
    license: 'private',
    grade_passback_setting: null,
    end_at: datesSet ? term.end_at : null,
    public_syllabus: false,
    public_syllabus_to_auth: false,
    storage_quota_mb: 500,
    is_public_to_auth_users: false,
    homeroom_course: false,
    course_color: null,
    friendly_name: null,
    apply_assignment_group_weights: prng.chance(0.4),
    time_zone: prng.pick(TIME_ZONES),
    blueprint: false,
    template: false,
    hide_final_grades: false,
    workflow_state: published ? 'available' : 'unpublished',
    restrict_enrollments_to_course_dates: false,
  };
}

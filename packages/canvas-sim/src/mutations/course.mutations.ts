import { courseJson } from '../data/course.generator.js';
import { serializeCourse } from '../data/course.serializer.js';
import type { CourseRecord, EnrollmentState, Json } from '../data/model.js';
import { createPrng, deriveSeed } from '../data/prng.js';
import type { World } from '../data/world.js';
import type { SimMutation } from '../mutation.types.js';
import { MutationError, requireCourse, withoutIdentity } from './mutation-context.js';

type Op<K extends SimMutation['op']> = Extract<SimMutation, { op: K }>;

const ENROLLMENT_STATES: readonly EnrollmentState[] = ['active', 'invited', 'completed'];
/** The term new courses land in: the current one ("Fall <epoch year>"). */
const CURRENT_TERM_INDEX = 4;

export function addCourse(world: World, op: Op<'addCourse'>): Json {
  const user = world.user(op.userId);
  if (!user) throw new MutationError(`no user ${op.userId}`);
  const id = world.take(1);
  const seed = deriveSeed(id, 'added-course');
  if (op.restricted) {
    const stub: CourseRecord = {
      id, userId: user.id, restricted: true, deleted: false, termId: world.terms[1]?.id ?? 0, enrollmentState: 'active',
      json: { id, access_restricted_by_date: true },
      plan: { seed, groups: 0, assignments: 0, groupIdBase: 0, assignmentIdBase: 0, submissionIdBase: 0 },
    };
    world.addCourse(stub);
    return serializeCourse(world, stub, user, true);
  }
  const term = (op.termId === undefined ? world.terms[CURRENT_TERM_INDEX] : world.term(op.termId)) ?? world.terms[0];
  if (!term) throw new MutationError(`no term ${String(op.termId)}`);
  const assignments = op.assignments ?? 5;
  const groups = assignments === 0 ? 1 : 3;
  const json = courseJson(createPrng(seed), id, term, user, world.epochMs);
  if (op.name !== undefined) json['name'] = op.name;
  if (op.courseCode !== undefined) json['course_code'] = op.courseCode;
  const course: CourseRecord = {
    id, userId: user.id, restricted: false, deleted: false, termId: term.id, enrollmentState: 'active',
    json: { ...json, workflow_state: 'available' },
    plan: { seed, groups, assignments, groupIdBase: world.take(groups), assignmentIdBase: world.take(Math.max(assignments, 1)), submissionIdBase: world.take(Math.max(assignments, 1)) },
  };
  world.addCourse(course);
  return serializeCourse(world, course, user, true);
}

/** Courses carry no updated_at in Canvas, so an edit leaves no trace but the changed fields. */
export function editCourse(world: World, op: Op<'editCourse'>): Json {
  const { course, user } = requireCourse(world, op.courseId);
  if (course.restricted) throw new MutationError(`course ${op.courseId} is a date-restricted stub`);
  world.contentForChange(course); // its content was generated from the old term: keep that one
  const { enrollment_state: enrollment, term_id: termId, ...rest } = op.changes;
  if (enrollment !== undefined) {
    if (!ENROLLMENT_STATES.includes(enrollment as EnrollmentState)) throw new MutationError(`bad enrollment_state ${String(enrollment)}`);
    course.enrollmentState = enrollment as EnrollmentState;
  }
  if (termId !== undefined) {
    const term = world.term(Number(termId));
    if (!term) throw new MutationError(`no term ${String(termId)}`);
    course.termId = term.id;
    course.json['enrollment_term_id'] = term.id;
  }
  Object.assign(course.json, withoutIdentity(rest, ['enrollment_term_id']));
  return serializeCourse(world, course, user, true);
}

export function deleteCourse(world: World, op: Op<'deleteCourse'>): Json {
  const { course } = requireCourse(world, op.courseId);
  course.deleted = true;
  return { deleted: course.id };
}

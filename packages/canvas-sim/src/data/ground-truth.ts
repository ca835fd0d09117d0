import type { GroundTruth } from '../api.types.js';
import { serializeAssignment, serializeSubmission, sortedGroups, visibleAssignments } from './assignment.serializer.js';
import { listCourses, serializeCourse, serializeTerm } from './course.serializer.js';
import type { CourseRecord, Json, UserRecord } from './model.js';
import type { World } from './world.js';
import { unknownUser } from '../sim-errors.js';

export type CourseTruth = Omit<GroundTruth, 'courses' | 'terms'>;

/** What a perfect sync of this user would hold: the default course listing and everything below it. */
export function groundTruth(world: World, userId: number): GroundTruth {
  const user = requireUser(world, userId);
  const listed = listCourses(world, user);
  const truth: GroundTruth = { courses: [], terms: [], assignmentGroups: [], assignments: [], submissions: [] };
  const terms = new Map<number, Json>();
  for (const course of listed) {
    truth.courses.push(serializeCourse(world, course, user, true));
    if (course.restricted) continue;
    const term = world.term(course.termId);
    if (term) terms.set(term.id, serializeTerm(term));
    const part = courseTruth(world, user, course);
    truth.assignmentGroups.push(...part.assignmentGroups);
    truth.assignments.push(...part.assignments);
    truth.submissions.push(...part.submissions);
  }
  truth.terms = [...terms.values()].sort((a, b) => (a['id'] as number) - (b['id'] as number));
  return truth;
}

export function courseTruth(world: World, user: UserRecord, course: CourseRecord): CourseTruth {
  const content = world.content(course);
  const assignments = visibleAssignments(user, content);
  const submissions: object[] = [];
  for (const assignment of assignments) {
    const submission = content.submissions.get(assignment['id'] as number);
    if (submission) submissions.push(serializeSubmission(world, submission, course.id));
  }
  return {
    assignmentGroups: sortedGroups(content).map((g) => ({ ...g })),
    assignments: assignments.map((a) => serializeAssignment(world, a)),
    submissions,
  };
}

export function requireUser(world: World, userId: number): UserRecord {
  const user = world.user(userId);
  if (!user) throw unknownUser(userId);
  return user;
}

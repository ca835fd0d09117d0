import type { CourseContent, CourseRecord, Json, UserRecord } from '../data/model.js';
import type { World } from '../data/world.js';
import { SimInputError } from '../sim-errors.js';

/** Mutations refuse bad input with a 400 on the control API. */
export class MutationError extends SimInputError {}

export function requireCourse(world: World, courseId: number): { course: CourseRecord; user: UserRecord } {
  const course = world.course(courseId);
  const user = course ? world.user(course.userId) : undefined;
  if (!course || !user || course.deleted) throw new MutationError(`no course ${courseId}`);
  return { course, user };
}

export interface Located {
  course: CourseRecord;
  user: UserRecord;
  content: CourseContent;
  item: Json;
}

/** Finds a group or assignment by id and pins its course's content for change. */
export function locate(world: World, kind: 'group' | 'assignment', id: number): Located {
  const found = world.courseOf(kind, id);
  if (!found || found.deleted) throw new MutationError(`no ${kind} ${id}`);
  const { course, user } = requireCourse(world, found.id);
  const content = world.contentForChange(course);
  const list = kind === 'group' ? content.groups : content.assignments;
  const item = list.find((x) => x['id'] === id);
  if (!item) throw new MutationError(`no ${kind} ${id}`);
  return { course, user, content, item };
}

/** Fields a mutation may never overwrite: identity and ownership. */
export function withoutIdentity(changes: Record<string, unknown>, extra: readonly string[] = []): Record<string, unknown> {
  const blocked = new Set(['id', 'course_id', ...extra]);
  return Object.fromEntries(Object.entries(changes).filter(([key]) => !blocked.has(key)));
}

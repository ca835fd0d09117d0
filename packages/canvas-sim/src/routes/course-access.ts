import type { CourseRecord } from '../data/model.js';
import type { CanvasAnswer } from '../http/answer.js';
import { notFound, unauthorizedAction } from '../http/canvas-errors.js';
import type { RouteContext } from '../http/route-context.js';

export type CourseLookup = { ok: true; course: CourseRecord } | { ok: false; answer: CanvasAnswer };

/**
 * Resolves `:id` to one of the caller's courses. Unknown, foreign and deleted courses are 404;
 * a date-restricted course shows only its stub, and everything below it is a permission 403.
 */
export function findCourse(ctx: RouteContext, options: { allowStub: boolean }): CourseLookup {
  const raw = ctx.params['id'] ?? '';
  if (!/^\d+$/.test(raw)) return { ok: false, answer: notFound() };
  const course = ctx.world.course(Number(raw));
  if (!course || course.userId !== ctx.user.id || course.deleted) return { ok: false, answer: notFound() };
  if (ctx.user.role === 'student' && course.json['workflow_state'] === 'unpublished') return { ok: false, answer: unauthorizedAction() };
  if (course.restricted && !options.allowStub) return { ok: false, answer: unauthorizedAction() };
  return { ok: true, course };
}

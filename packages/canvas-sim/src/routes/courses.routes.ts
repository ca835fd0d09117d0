import { listCourses, serializeCourse } from '../data/course.serializer.js';
import { json } from '../http/answer.js';
import { paginateOrdinal } from '../http/pagination.js';
import { includesOf, listParam } from '../http/query.js';
import type { CanvasRoute } from '../http/route-context.js';
import { findCourse } from './course-access.js';

/** GET /api/v1/courses — ordinal pages; `include[]=term`, `enrollment_state`, `state[]`. */
export const listCoursesRoute: CanvasRoute = (ctx) => {
  const { world, user, url } = ctx;
  const includeTerm = includesOf(url.searchParams).has('term');
  const rows = listCourses(world, user, {
    enrollmentState: url.searchParams.get('enrollment_state'),
    states: listParam(url.searchParams, 'state'),
  });
  const page = paginateOrdinal(rows, url, ctx.paging);
  const body = page.items.map((course) => serializeCourse(world, course, user, includeTerm));
  return json(body, body.length, { Link: page.link });
};

/** GET /api/v1/courses/:id — a date-restricted course answers with its stub. */
export const showCourseRoute: CanvasRoute = (ctx) => {
  const found = findCourse(ctx, { allowStub: true });
  if (!found.ok) return found.answer;
  return json(serializeCourse(ctx.world, found.course, ctx.user, includesOf(ctx.url.searchParams).has('term')), 1);
};

import { serializeAssignment, serializeSubmission, sortedGroups, visibleAssignments } from '../data/assignment.serializer.js';
import type { CourseContent, Json } from '../data/model.js';
import type { World } from '../data/world.js';
import { json } from '../http/answer.js';
import { paginateOrdinal } from '../http/pagination.js';
import { includesOf } from '../http/query.js';
import type { CanvasRoute } from '../http/route-context.js';
import { findCourse } from './course-access.js';

/**
 * GET /api/v1/courses/:id/assignment_groups — groups paginate ordinally; with include[]=assignments
 * each carries *all* its assignments (never paginated), and include[]=submission attaches the
 * caller's own submission to each (key absent when there is none, and always for teachers).
 */
export const listAssignmentGroupsRoute: CanvasRoute = (ctx) => {
  const found = findCourse(ctx, { allowStub: false });
  if (!found.ok) return found.answer;
  const { world, user, url } = ctx;
  const content = world.content(found.course);
  const includes = includesOf(url.searchParams);
  const page = paginateOrdinal(sortedGroups(content), url, ctx.paging);
  const withAssignments = includes.has('assignments');
  const withSubmission = withAssignments && includes.has('submission') && user.role === 'student';
  const visible = withAssignments ? visibleAssignments(user, content) : [];
  let embedded = 0;
  let attached = 0;
  const body = page.items.map((group) => {
    if (!withAssignments) return { ...group };
    const assignments = visible
      .filter((a) => a['assignment_group_id'] === group['id'])
      .map((a) => {
        const out = withSubmission ? attachSubmission(world, content, a) : serializeAssignment(world, a);
        if ('submission' in out) attached++;
        return out;
      });
    embedded += assignments.length;
    return { ...group, assignments };
  });
  const items = body.length + embedded;
  return json(body, items, { Link: page.link }, items + attached);
};

/** GET /api/v1/courses/:id/assignments — ordinal pages in Canvas's position order. */
export const listAssignmentsRoute: CanvasRoute = (ctx) => {
  const found = findCourse(ctx, { allowStub: false });
  if (!found.ok) return found.answer;
  const { world, user, url } = ctx;
  const content = world.content(found.course);
  const withSubmission = includesOf(url.searchParams).has('submission') && user.role === 'student';
  const page = paginateOrdinal(visibleAssignments(user, content), url, ctx.paging);
  const body = page.items.map((a) => (withSubmission ? attachSubmission(world, content, a) : serializeAssignment(world, a)));
  return json(body, body.length, { Link: page.link }, body.length * (withSubmission ? 2 : 1));
};

function attachSubmission(world: World, content: CourseContent, assignment: Json): Json {
  const out = serializeAssignment(world, assignment);
  const submission = content.submissions.get(assignment['id'] as number);
  if (submission) out['submission'] = serializeSubmission(world, submission, assignment['course_id'] as number);
  return out;
}

import { serializeSubmission, visibleAssignments } from '../data/assignment.serializer.js';
import type { Json } from '../data/model.js';
import type { CanvasAnswer } from '../http/answer.js';
import { json } from '../http/answer.js';
import { paginateBookmarked, type SortKey } from '../http/bookmark.js';
import { badRequest, notFound, unauthorizedAction } from '../http/canvas-errors.js';
import { paginateOrdinal } from '../http/pagination.js';
import { listParam } from '../http/query.js';
import type { CanvasRoute, RouteContext } from '../http/route-context.js';
import { findCourse } from './course-access.js';

/** CANVAS.md: `YYYY-MM-DDTHH:MM:SSZ` exactly; anything else is a 400. */
const SINCE_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * GET /api/v1/courses/:id/students/submissions (submissions_api_controller#for_students, flat).
 * Ascending order pages by bookmark; `order_direction=descending` falls back to ordinal pages, as
 * Canvas only bookmarks ascending scans. Teachers asking for `self` are refused: they are no student.
 */
export const listStudentSubmissionsRoute: CanvasRoute = (ctx) => {
  const found = findCourse(ctx, { allowStub: false });
  if (!found.ok) return found.answer;
  const { world, user, url } = ctx;
  const studentIds = listParam(url.searchParams, 'student_ids');
  // A student may name only themself ("all" means all they may see: themself too).
  if (studentIds.some((id) => id !== 'self' && id !== 'all' && id !== String(user.id))) return unauthorizedAction();
  if (user.role !== 'student') return unauthorizedAction();
  const since = parseSince(ctx);
  if ('status' in since) return since;
  const content = world.content(found.course);
  const workflow = url.searchParams.get('workflow_state');
  const rows: Json[] = [];
  for (const assignment of visibleAssignments(user, content)) {
    const stored = content.submissions.get(assignment['id'] as number);
    if (!stored) continue;
    if (since.submitted !== null && !laterThan(stored['submitted_at'], since.submitted)) continue;
    if (since.graded !== null && !laterThan(stored['graded_at'], since.graded)) continue;
    if (workflow && stored['workflow_state'] !== workflow) continue;
    rows.push(stored);
  }
  const byGradedAt = url.searchParams.get('order') === 'graded_at';
  const keyOf = (s: Json): SortKey => (byGradedAt ? [(s['graded_at'] as string | null) ?? null, s['id'] as number] : [s['id'] as number]);
  const serialize = (s: Json): Json => serializeSubmission(world, s, found.course.id);
  if (url.searchParams.get('order_direction') === 'descending') {
    const sorted = [...rows].sort((a, b) => -compareForDescending(keyOf(a), keyOf(b)));
    const page = paginateOrdinal(sorted, url, ctx.paging);
    return json(page.items.map(serialize), page.items.length, { Link: page.link });
  }
  const page = paginateBookmarked(rows, keyOf, url, ctx.paging);
  if (!page) return notFound();
  return json(page.items.map(serialize), page.items.length, { Link: page.link });
};

function parseSince(ctx: RouteContext): { submitted: number | null; graded: number | null } | CanvasAnswer {
  const out: { submitted: number | null; graded: number | null } = { submitted: null, graded: null };
  for (const [param, field] of [['submitted_since', 'submitted'], ['graded_since', 'graded']] as const) {
    const raw = ctx.url.searchParams.get(param);
    if (raw === null || raw === '') continue;
    const ms = SINCE_FORMAT.test(raw) ? Date.parse(raw) : Number.NaN;
    if (Number.isNaN(ms)) return badRequest({ errors: { [param]: `Invalid datetime for ${param}` } });
    out[field] = ms;
  }
  return out;
}

/** Strictly later, as Canvas's SQL `submitted_at > ?`; rows without the date never match. */
function laterThan(value: unknown, since: number): boolean {
  return typeof value === 'string' && Date.parse(value) > since;
}

/** `DESC NULLS LAST`: nulls stay at the end in descending order too. */
function compareForDescending(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

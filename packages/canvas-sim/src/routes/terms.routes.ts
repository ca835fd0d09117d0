import { serializeTerm } from '../data/course.serializer.js';
import { json } from '../http/answer.js';
import { notFound, unauthorizedAction } from '../http/canvas-errors.js';
import { paginateOrdinal } from '../http/pagination.js';
import type { CanvasRoute } from '../http/route-context.js';

/** The root account; sub-accounts in course.account_id exist only as numbers. */
const ROOT_ACCOUNT = '1';

/**
 * GET /api/v1/accounts/:id/terms — needs account admin rights, so students and teachers get the
 * permission 403; admins get the list wrapped as `{enrollment_terms: […]}` (paginated ordinally).
 */
export const listTermsRoute: CanvasRoute = (ctx) => {
  if (!ctx.user.accountAdmin) return unauthorizedAction();
  const id = ctx.params['id'];
  if (id !== 'self' && id !== ROOT_ACCOUNT) return notFound();
  const page = paginateOrdinal(ctx.world.terms, ctx.url, ctx.paging);
  return json({ enrollment_terms: page.items.map((t) => ({ ...serializeTerm(t), sis_term_id: null, sis_import_id: null })) }, page.items.length, {
    Link: page.link,
  });
};

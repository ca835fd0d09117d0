import type { CanvasAnswer } from '../http/answer.js';
import type { CanvasRoute, RouteContext } from '../http/route-context.js';
import type { SimHostileKind, SimHostileTuning } from '../hostile.types.js';
import { cyclicPages, endlessPages, hugeLinkHeader } from './hostile.pages.js';
import { gzipBombStream, hugeBodyStream, trickleStream } from './hostile.streams.js';
import { badValues, deepNesting } from './hostile.values.js';

/** The lists a sync walks; everything else (users/self, one course, terms) stays normal so a connection still tests fine. */
export const HOSTILE_ENDPOINTS: ReadonlySet<string> = new Set([
  'GET /api/v1/courses',
  'GET /api/v1/courses/:id/assignment_groups',
  'GET /api/v1/courses/:id/assignments',
  'GET /api/v1/courses/:id/students/submissions',
]);

/**
 * A hostile user's answer to one of HOSTILE_ENDPOINTS: built from what the real route answers, so
 * refusals (404, 403, 400) stay real and only a 200 list turns hostile. The two pagination kinds
 * read the `page` they set themselves and serve the real first page's rows on every page; the
 * others paginate as the real route does.
 */
export function hostileAnswer(
  kind: SimHostileKind,
  route: CanvasRoute,
  ctx: RouteContext,
  tuning: Required<SimHostileTuning>,
): { answer: CanvasAnswer; hostile: boolean } {
  const firstPage = new URL(ctx.url);
  firstPage.searchParams.delete('page');
  const base = route(kind === 'endlessPages' || kind === 'cyclicPages' ? { ...ctx, url: firstPage } : ctx);
  if (base.status !== 200 || !Array.isArray(base.body)) return { answer: base, hostile: false };
  const answer = spoil(kind, base, ctx, tuning);
  return { answer, hostile: answer !== base };
}

function spoil(kind: SimHostileKind, base: CanvasAnswer, ctx: RouteContext, tuning: Required<SimHostileTuning>): CanvasAnswer {
  switch (kind) {
    case 'gzipBomb':
      return streamed(base, gzipBombStream(tuning.gzipBombBytes));
    case 'hugeBody':
      return streamed(base, hugeBodyStream(tuning.hugeBodyBytes));
    case 'tricklingBody':
      return { ...withoutBody(base), stream: trickleStream(JSON.stringify(base.body), tuning.trickleBytes, tuning.trickleIntervalMs) };
    case 'endlessPages':
      return endlessPages(base, ctx);
    case 'cyclicPages':
      return cyclicPages(base, ctx);
    case 'hugeLinkHeader':
      return hugeLinkHeader(base, ctx, tuning.linkHeaderBytes);
    case 'badValues':
      return badValues(base, ctx);
    case 'deepNesting':
      return deepNesting(base, tuning.nestingDepth);
  }
}

function withoutBody(base: CanvasAnswer): CanvasAnswer {
  const { body: _body, ...rest } = base;
  return rest;
}

/** The filler kinds drop the real Link: their body is all there is to the walk. */
function streamed(base: CanvasAnswer, stream: NonNullable<CanvasAnswer['stream']>): CanvasAnswer {
  const { headers, ...rest } = withoutBody(base);
  const { Link: _link, ...others } = headers ?? {};
  return { ...rest, headers: others, stream };
}

import type { CanvasAnswer } from '../http/answer.js';
import { linkHeader, perPageOf, rubyToI } from '../http/pagination.js';
import type { RouteContext } from '../http/route-context.js';

/** Ids of page N (N ≥ 2) of an endless walk: the first page's ids shifted by (N − 1) × this, so every page is new. */
export const ENDLESS_ID_STRIDE = 10_000_000;

type Row = Record<string, unknown>;

function pageNumber(ctx: RouteContext): number {
  return Math.max(1, rubyToI(ctx.url.searchParams.get('page') ?? '1'));
}

/** Every page links to a new page, forever; rows are the real first page's, ids shifted per page. */
export function endlessPages(base: CanvasAnswer, ctx: RouteContext): CanvasAnswer {
  const page = pageNumber(ctx);
  const rows = (base.body as Row[]).map((row) => ('id' in row && typeof row['id'] === 'number' ? { ...row, id: row['id'] + (page - 1) * ENDLESS_ID_STRIDE } : row));
  const perPage = perPageOf(ctx.url.searchParams, ctx.options.maxPerPage);
  const link = linkHeader(ctx.url, [['current', String(page)], ['next', String(page + 1)], ['first', '1']], perPage);
  return { ...base, body: rows, headers: { ...base.headers, Link: link } };
}

/** `page=2` links to `page=1` and every other page to `page=2`: two URLs, forever, each with the real first page. */
export function cyclicPages(base: CanvasAnswer, ctx: RouteContext): CanvasAnswer {
  const page = pageNumber(ctx);
  const perPage = perPageOf(ctx.url.searchParams, ctx.options.maxPerPage);
  const next = page === 2 ? '1' : '2';
  const link = linkHeader(ctx.url, [['current', String(page)], ['next', next], ['first', '1']], perPage);
  return { ...base, headers: { ...base.headers, Link: link } };
}

/**
 * The real Link header (so a client that survives it walks on normally), then `rel="noise"` entries
 * until the value is exactly `bytes` long.
 */
export function hugeLinkHeader(base: CanvasAnswer, ctx: RouteContext, bytes: number): CanvasAnswer {
  const real = base.headers?.['Link'] ?? '';
  const origin = `${ctx.url.origin}${ctx.url.pathname}`;
  let link = real;
  for (let i = 1; link.length < bytes; i++) {
    const entry = `<${origin}?page=${i}&noise=${'n'.repeat(100)}>; rel="noise"`;
    link += `${link ? ',' : ''}${entry}`;
  }
  if (link.length > bytes) {
    // Trim the padding of the last entry so the value is exactly `bytes` long (it stays well-formed).
    const excess = link.length - bytes;
    const at = link.lastIndexOf('n'.repeat(100));
    link = `${link.slice(0, at)}${'n'.repeat(Math.max(0, 100 - excess))}${link.slice(at + 100)}`;
  }
  return { ...base, headers: { ...base.headers, Link: link } };
}

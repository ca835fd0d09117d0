/**
 * Canvas's ordinal pagination and Link headers (lib/api.rb): per_page is clamped silently to
 * 1..max (default 10), a page past the end is an empty 200, and links are absolute, ordered
 * current, next, prev, first, last, keep every other query param (sorted, as Rails' to_query does)
 * and drop access_token.
 */

export interface PagingOptions {
  maxPerPage: number;
  dropLastLink: boolean;
  shiftRows: boolean;
}

export interface Page<T> {
  items: T[];
  link: string;
}

const DEFAULT_PER_PAGE = 10;

/** `[[per_page.to_i, 1].max, max].min` — "abc" and 0 both become 1; absent becomes 10. */
export function perPageOf(params: URLSearchParams, maxPerPage: number): number {
  const raw = params.get('per_page');
  if (raw === null || raw === '') return Math.min(DEFAULT_PER_PAGE, maxPerPage);
  return Math.min(Math.max(rubyToI(raw), 1), maxPerPage);
}

/** Ruby's String#to_i: leading digits, else 0. */
export function rubyToI(raw: string): number {
  const match = /^\s*([+-]?\d+)/.exec(raw);
  return match?.[1] ? Number.parseInt(match[1], 10) : 0;
}

/**
 * One ordinal page. With `shiftRows`, each later page starts one row earlier per page already
 * served, as if a row had been inserted at the head between fetches: rows repeat across pages.
 */
export function paginateOrdinal<T>(rows: readonly T[], url: URL, options: PagingOptions): Page<T> {
  const perPage = perPageOf(url.searchParams, options.maxPerPage);
  const page = Math.max(1, rubyToI(url.searchParams.get('page') ?? '1'));
  const step = options.shiftRows && perPage > 1 ? perPage - 1 : perPage;
  const startOf = (p: number): number => (p - 1) * step;
  const start = startOf(page);
  const items = rows.slice(start, start + perPage);
  const lastPage = rows.length <= perPage ? 1 : Math.ceil((rows.length - perPage) / step) + 1;
  const rels: Array<[string, string]> = [['current', String(page)]];
  if (start + perPage < rows.length) rels.push(['next', String(page + 1)]);
  if (page > 1) rels.push(['prev', String(page - 1)]);
  rels.push(['first', '1']);
  if (!options.dropLastLink) rels.push(['last', String(lastPage)]);
  return { items, link: linkHeader(url, rels, perPage) };
}

/** `<URL>; rel="X"` joined by commas; the page value goes in as-is (bookmarks are already URL-safe). */
export function linkHeader(url: URL, rels: ReadonlyArray<readonly [rel: string, page: string]>, perPage: number): string {
  const base = `${url.origin}${url.pathname}`;
  return rels.map(([rel, page]) => `<${base}?${queryWith(url.searchParams, page, perPage)}>; rel="${rel}"`).join(',');
}

function queryWith(params: URLSearchParams, page: string, perPage: number): string {
  const groups = new Map<string, string[]>();
  for (const [key, value] of params) {
    if (key === 'page' || key === 'per_page' || key === 'access_token') continue;
    const list = groups.get(key) ?? [];
    list.push(`${encode(key)}=${encode(value)}`);
    groups.set(key, list);
  }
  const parts = [...groups.values()].map((list) => list.join('&'));
  parts.push(`page=${page}`, `per_page=${perPage}`);
  return parts.sort().join('&');
}

/** CGI.escape: like encodeURIComponent, but spaces become + and ~ stays literal. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

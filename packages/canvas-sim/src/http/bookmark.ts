import { linkHeader, perPageOf, type PagingOptions, type Page } from './pagination.js';

/**
 * Canvas's BookmarkedCollection paging (the flat /students/submissions list): `page=first`, then
 * `page=bookmark:<base64url(JSON sort key)>`. Only current, next and first rels. A bookmark that
 * does not decode silently restarts at page 1 (a loop hazard for clients); any other page value
 * — a number included — is 404, signalled here by `null`.
 */
export type SortKey = ReadonlyArray<string | number | null>;

export function encodeBookmark(key: SortKey): string {
  return `bookmark:${Buffer.from(JSON.stringify(key)).toString('base64url')}`;
}

export function decodeBookmark(value: string): SortKey | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value.slice('bookmark:'.length), 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length === 0) return null;
    if (!parsed.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) return null;
    return parsed as SortKey;
  } catch {
    return null;
  }
}

/** Ascending, with nulls after every value (PostgreSQL's `ASC NULLS LAST`). */
export function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function paginateBookmarked<T>(
  rows: readonly T[],
  keyOf: (row: T) => SortKey,
  url: URL,
  options: Pick<PagingOptions, 'maxPerPage'>,
): Page<T> | null {
  const perPage = perPageOf(url.searchParams, options.maxPerPage);
  const raw = url.searchParams.get('page');
  let after: SortKey | null = null;
  let current = 'first';
  if (raw !== null && raw !== '' && raw !== 'first') {
    if (!raw.startsWith('bookmark:')) return null;
    after = decodeBookmark(raw);
    if (after) current = raw;
  }
  const sorted = [...rows].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  const from = after === null ? 0 : sorted.findIndex((row) => compareKeys(keyOf(row), after) > 0);
  const start = from === -1 ? sorted.length : from;
  const items = sorted.slice(start, start + perPage);
  const rels: Array<[string, string]> = [['current', current]];
  const lastItem = items[items.length - 1];
  if (start + perPage < sorted.length && lastItem !== undefined) rels.push(['next', encodeBookmark(keyOf(lastItem))]);
  rels.push(['first', 'first']);
  return { items, link: linkHeader(url, rels, perPage) };
}

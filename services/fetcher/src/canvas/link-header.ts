/**
 * Parses a `Link` header into rel → URL. Canvas sends absolute URLs as `<URL>; rel="X"` joined by
 * commas (CANVAS.md, Pagination); URLs may themselves contain commas in query values, so we split
 * on the `<…>` groups rather than on commas. One pass with `indexOf`, no backtracking regex: a
 * hostile 16 KB header costs microseconds (a regex over it took ~100 ms). The caller caps the size.
 */
export function parseLinkHeader(header: string | null): Record<string, string> {
  const links: Record<string, string> = {};
  if (!header) return links;
  let pos = 0;
  for (;;) {
    const open = header.indexOf('<', pos);
    if (open < 0) break;
    const close = header.indexOf('>', open + 1);
    if (close < 0) break;
    const nextOpen = header.indexOf('<', close + 1);
    const end = nextOpen < 0 ? header.length : nextOpen;
    const url = header.slice(open + 1, close);
    const rel = relOf(header.slice(close + 1, end));
    if (rel && url) links[rel] = url;
    pos = end;
  }
  return links;
}

/** The first `rel` of a link's parameters (`; rel="next", ` → `next`). */
function relOf(params: string): string | undefined {
  for (const param of params.split(/[;,]/)) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'rel') continue;
    const value = param.slice(eq + 1).trim().replace(/^"|"$/g, '').split(/\s+/)[0];
    if (value) return value.toLowerCase();
  }
  return undefined;
}

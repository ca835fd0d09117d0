/**
 * Parses a `Link` header into rel → URL. Canvas sends absolute URLs as `<URL>; rel="X"` joined by
 * commas (CANVAS.md, Pagination); URLs may themselves contain commas in query values, so we split
 * on the `<…>` groups rather than on commas.
 */
export function parseLinkHeader(header: string | null): Record<string, string> {
  const links: Record<string, string> = {};
  if (!header) return links;
  const re = /<([^>]*)>\s*((?:;\s*[^;,]+)*)/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    const rel = /rel\s*=\s*"?([^";,\s]+)"?/i.exec(m[2] ?? '')?.[1];
    if (rel && m[1]) links[rel.toLowerCase()] = m[1];
  }
  return links;
}

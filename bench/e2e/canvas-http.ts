/** Small Canvas HTTP helpers shared by the baseline and the floor (the fetcher's client is not reused on purpose). */

export const USER_AGENT = 'canvas-sync-bench/0.1';

export type Row = Record<string, unknown> & { id: number };

/** `rel="next"` of a Link header, or null (CANVAS.md: follow it exactly, stop when missing). */
export function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (match) return match[1]!;
  }
  return null;
}

/** A throttle is a 429, or a 403 whose body says `Rate Limit Exceeded` (a JSON 403 is a permission error). */
export function isThrottle(status: number, body: string): boolean {
  return status === 429 || (status === 403 && body.includes('Rate Limit Exceeded'));
}

export function canvasGet(url: string, token: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'user-agent': USER_AGENT } });
}

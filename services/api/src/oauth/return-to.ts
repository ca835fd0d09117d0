import { AppError } from '@canvas-sync/shared';

/** Where the api may send the browser back after Canvas: its own origin, and the CORS origins. */
export interface ReturnToPolicy {
  /** The api's external URL (`PUBLIC_URL`). */
  publicUrl: string;
  corsOrigins: readonly string[];
}

const invalid = (message: string) => new AppError('return_to_invalid', message);

/**
 * Checks a `returnTo` and returns the form we store: a path (`/panel?x=1`) on the api's origin, or
 * an absolute http(s) URL whose origin is `PUBLIC_URL`'s or one of `CORS_ORIGINS`. Everything a
 * browser could read as another host is refused before it is parsed: `//evil`, `/\evil` (browsers
 * treat `\` as `/`), tabs and newlines (stripped by browsers), other schemes (`javascript:`), and
 * `user@host` tricks. Absent → `/`.
 */
export function checkReturnTo(input: string | undefined, policy: ReturnToPolicy): string {
  if (input === undefined || input === '') return '/';
  if (input.length > 2048) throw invalid('returnTo is too long.');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u0020\u007f\\]/.test(input)) throw invalid('returnTo must not contain spaces, control characters or backslashes.');
  const publicOrigin = new URL(policy.publicUrl).origin;
  if (input.startsWith('/')) {
    if (input.startsWith('//')) throw invalid('returnTo must be a path on this site or a URL on an allowed origin.');
    const url = new URL(input, publicOrigin);
    if (url.origin !== publicOrigin) throw invalid('returnTo must be a path on this site or a URL on an allowed origin.');
    return `${url.pathname}${url.search}${url.hash}`;
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw invalid('returnTo must be a path starting with / or an absolute URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('returnTo must use http or https.');
  if (url.username || url.password) throw invalid('returnTo must not contain credentials.');
  if (url.origin !== publicOrigin && !policy.corsOrigins.includes(url.origin)) throw invalid(`returnTo's origin ${url.origin} is not allowed.`);
  return url.href;
}

/**
 * The redirect target: the stored `returnTo` with `canvas=…` (and `code=…`) added to its query,
 * before any fragment. Paths stay relative, so the browser stays on the host it used.
 */
export function returnUrl(returnTo: string, params: Record<string, string>): string {
  const relative = returnTo.startsWith('/');
  const url = new URL(returnTo, 'http://relative.invalid');
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return relative ? `${url.pathname}${url.search}${url.hash}` : url.href;
}

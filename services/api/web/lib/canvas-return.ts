/**
 * What the OAuth callback says when it sends the browser back (DESIGN.md "Canvas OAuth2"):
 * `?canvas=connected` or `?canvas=error&code=access_denied|state_invalid|exchange_failed`.
 */
export type CanvasReturn = { outcome: 'connected' } | { outcome: 'error'; code: string };

/** The outcome in `href`, and the same address without it; `null` when the page was not a return. */
export function readCanvasReturn(href: string): { result: CanvasReturn; cleanUrl: string } | null {
  const url = new URL(href);
  const outcome = url.searchParams.get('canvas');
  if (outcome === null) return null;
  const code = url.searchParams.get('code') ?? 'unknown';
  url.searchParams.delete('canvas');
  // `code` is ours only beside `canvas=`; it is never a Canvas authorization code (those go to the api).
  url.searchParams.delete('code');
  const result: CanvasReturn = outcome === 'connected' ? { outcome: 'connected' } : { outcome: 'error', code };
  return { result, cleanUrl: url.pathname + url.search + url.hash };
}

/** The sentence a user reads about a failed return; `hadConnection` says whether an older one is still there. */
export function canvasErrorText(code: string, hadConnection: boolean): string {
  const unchanged = hadConnection ? 'your previous connection is unchanged' : 'Canvas is still not connected';
  switch (code) {
    case 'access_denied':
      return `You cancelled on Canvas; ${unchanged}.`;
    case 'state_invalid':
      return `The Canvas sign-in expired or was already used, so nothing was changed (${unchanged}). Choose Connect with Canvas to try again.`;
    case 'exchange_failed':
      return `Canvas did not finish the sign-in, so nothing was changed (${unchanged}). Try again; if it keeps failing, your school's Canvas admin should check the developer key.`;
    default:
      return `Connecting Canvas did not work, so nothing was changed (${unchanged}). Try again.`;
  }
}

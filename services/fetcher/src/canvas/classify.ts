import { AppError } from '@canvas-sync/shared';

/** What a Canvas answer means for us (CANVAS.md, Errors and Throttling). */
export type CanvasOutcome =
  | { kind: 'ok' }
  | { kind: 'throttled' }
  | { kind: 'token_invalid'; message: string }
  | { kind: 'forbidden' }
  | { kind: 'not_found' }
  | { kind: 'unavailable'; status: number }
  | { kind: 'bad_request'; status: number };

/**
 * Classifies a status (+ `WWW-Authenticate` and body text). The 403 is the awkward one: with a
 * body containing "Rate Limit Exceeded" it is a throttle (self-hosted Canvas); with a JSON body it
 * is a permission error that must never be retried. A 401 without `WWW-Authenticate` is a
 * permission problem on old Canvas, not a bad token.
 */
export function classifyCanvasResponse(status: number, wwwAuthenticate: string | null, body: string): CanvasOutcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 429) return { kind: 'throttled' };
  if (status === 403) return /rate limit exceeded/i.test(body) ? { kind: 'throttled' } : { kind: 'forbidden' };
  if (status === 401) {
    if (!wwwAuthenticate) return { kind: 'forbidden' };
    const message = /Expired access token/i.test(body) ? 'Canvas says the access token expired.' : /Revoked access token/i.test(body) ? 'Canvas says the access token was revoked.' : 'Canvas rejected the access token.';
    return { kind: 'token_invalid', message: `${message} Reconnect Canvas with a new token.` };
  }
  if (status === 404) return { kind: 'not_found' };
  if (status >= 500 || status === 408) return { kind: 'unavailable', status };
  return { kind: 'bad_request', status };
}

/** The AppError for a non-ok outcome. Messages never include the token or the raw body. */
export function outcomeError(outcome: Exclude<CanvasOutcome, { kind: 'ok' }>, path: string): AppError {
  switch (outcome.kind) {
    case 'throttled':
      return new AppError('canvas_throttled');
    case 'token_invalid':
      return new AppError('canvas_token_invalid', outcome.message);
    case 'forbidden':
      return new AppError('canvas_forbidden', `Canvas does not allow reading ${path}.`);
    case 'not_found':
      return new AppError('canvas_not_found', `Canvas says ${path} does not exist.`);
    case 'unavailable':
      return new AppError('canvas_unavailable', `Canvas answered ${outcome.status} for ${path}.`);
    case 'bad_request':
      return new AppError('canvas_bad_request', `Canvas answered ${outcome.status} for ${path}.`);
  }
}

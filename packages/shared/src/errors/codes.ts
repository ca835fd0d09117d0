/**
 * Every error code canvas-sync can put in front of a client, an operator or another service.
 * Codes are public and stable: clients switch on them. Add new ones; never rename.
 */
export const ERROR_CODES = {
  // request / input
  validation_failed: { status: 400, retryable: false, message: 'The request is not valid.' },
  bad_json: { status: 400, retryable: false, message: 'The body is not valid JSON.' },
  payload_too_large: { status: 413, retryable: false, message: 'The body is too large.' },
  unsupported_media_type: { status: 415, retryable: false, message: 'Send application/json.' },
  unauthenticated: { status: 401, retryable: false, message: 'A valid bearer token is required.' },
  auth_unavailable: { status: 503, retryable: true, message: 'User tokens cannot be checked right now; try again shortly.' },
  not_found: { status: 404, retryable: false, message: 'Not found.' },
  rate_limited: { status: 429, retryable: true, message: 'Too many requests; slow down.' },
  sync_in_progress: { status: 409, retryable: false, message: 'A sync is already queued or running.' },
  sync_not_resumable: { status: 409, retryable: false, message: 'Only a failed or cancelled sync can be resumed.' },
  sync_not_cancellable: { status: 409, retryable: false, message: 'Only a queued or running sync can be cancelled.' },
  cursor_invalid: { status: 400, retryable: false, message: 'The cursor is not one this endpoint gave you; start again without it.' },
  cursor_expired: { status: 410, retryable: false, message: 'Changes after this cursor are no longer kept; re-read the data, then follow changes from a new cursor.' },
  no_connection: { status: 412, retryable: false, message: 'Connect Canvas first.' },
  canvas_url_invalid: { status: 400, retryable: false, message: 'The Canvas URL is not allowed.' },
  return_to_invalid: { status: 400, retryable: false, message: 'returnTo must be a path here or a URL on an allowed origin.' },
  canvas_oauth_unavailable: { status: 422, retryable: false, message: 'No Canvas developer key is configured for that host.' },
  personal_tokens_disabled: { status: 403, retryable: false, message: 'Pasted access tokens are not accepted here; use Connect with Canvas.' },
  // Canvas, as classified at the client edge (CANVAS.md)
  canvas_token_invalid: { status: 502, retryable: false, message: 'Canvas rejected the access token; reconnect Canvas.' },
  canvas_forbidden: { status: 502, retryable: false, message: 'Canvas does not allow this user to read that resource.' },
  canvas_not_found: { status: 502, retryable: false, message: 'Canvas says the resource does not exist.' },
  canvas_throttled: { status: 503, retryable: true, message: 'Canvas is rate limiting this token.' },
  canvas_unavailable: { status: 503, retryable: true, message: 'Canvas is not answering.' },
  canvas_bad_response: { status: 502, retryable: true, message: 'Canvas sent an answer that could not be read.' },
  canvas_bad_request: { status: 502, retryable: false, message: 'Canvas refused the request parameters.' },
  canvas_redirect_refused: { status: 502, retryable: false, message: 'Canvas pointed to another origin; refused.' },
  canvas_reauth_required: { status: 502, retryable: false, message: 'Canvas refused to renew access; reconnect Canvas.' },
  canvas_oauth_failed: { status: 502, retryable: false, message: 'Canvas did not complete the authorization.' },
  // limits on what a (possibly hostile) Canvas server sends (DESIGN.md "Limits on what Canvas sends")
  canvas_response_too_large: { status: 502, retryable: false, message: 'Canvas sent an answer larger than allowed.' },
  canvas_pagination_limit: { status: 502, retryable: false, message: 'Canvas sent more pages or rows than allowed.' },
  canvas_time_limit: { status: 502, retryable: false, message: 'Canvas took longer than allowed for one piece of work.' },
  // Our side, not the answer's: the process already holds CANVAS_MAX_RESPONSE_BYTES_IN_FLIGHT of answers; the work is retried.
  canvas_busy: { status: 503, retryable: true, message: 'Too many large Canvas answers are being read at once; the work is retried shortly.' },
  // sync warnings for values a typed column cannot hold (the sync goes on; raw keeps the row)
  canvas_value_unfit: { status: 502, retryable: false, message: 'Canvas sent values that do not fit their columns; they are kept in raw only.' },
  canvas_row_without_id: { status: 502, retryable: false, message: 'Canvas sent rows without a usable id; they were skipped.' },
  // infrastructure
  db_unavailable: { status: 503, retryable: true, message: 'The database is not available.' },
  broker_unavailable: { status: 503, retryable: true, message: 'The message broker is not available.' },
  message_invalid: { status: 400, retryable: false, message: 'A message failed its schema.' },
  sync_stalled: { status: 500, retryable: false, message: 'The sync stopped making progress and was given up.' },
  webhook_undeliverable: { status: 502, retryable: false, message: 'The webhook receiver did not accept the event within the retry window; it was dead-lettered.' },
  config_invalid: { status: 500, retryable: false, message: 'The configuration is not valid.' },
  internal: { status: 500, retryable: false, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>;

/** A stable error code from {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `code` is a registered error code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

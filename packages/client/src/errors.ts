/**
 * Every failure of the client: an error answer of the api (`{error:{code,message}}` with its HTTP
 * status), or one of the client's own with `status` 0 — `network_error` (no answer), `timeout`
 * (no answer in time), `bad_answer`
 * (an answer that is not the JSON promised), `unauthenticated` (no token could be had).
 */
export class CanvasSyncError extends Error {
  override readonly name = 'CanvasSyncError';

  constructor(
    /** The HTTP status, or 0 when there was no usable answer. */
    readonly status: number,
    /** The api's stable error code (README, "HTTP API"). */
    readonly code: string,
    message: string,
    /** The whole error answer: some carry facts beside `error` (`syncId` on `409 sync_in_progress`). */
    readonly body: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for a {@link CanvasSyncError}, optionally with one `code`. */
export function isCanvasSyncError(error: unknown, code?: string): error is CanvasSyncError {
  return error instanceof CanvasSyncError && (code === undefined || error.code === code);
}

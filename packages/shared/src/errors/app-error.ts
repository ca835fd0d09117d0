import { ERROR_CODES, type ErrorCode } from './codes.js';

/** Options for {@link AppError}. */
export interface AppErrorOptions {
  /** Overrides the registry's default `retryable` for this occurrence. */
  retryable?: boolean;
  cause?: unknown;
  /** Extra, non-secret facts for logs and API answers (e.g. `{ syncId }`). */
  details?: Record<string, unknown>;
}

/**
 * The one error type of canvas-sync: a stable `code` from the registry, an HTTP `status`,
 * whether a retry can help, and a message safe to show a user (never a token or a stack).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? ERROR_CODES[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details;
  }

  /** The `{code, message}` shape of every error answer. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True when `err` is an {@link AppError}, optionally with the given code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}

/** True when retrying the operation that threw `err` may succeed. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof AppError) return err.retryable;
  return isTransientNetworkError(err) || isTransientPgError(err);
}

const TRANSIENT_NET = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** Network failures that are worth a retry (connection reset, refused, timed out). */
export function isTransientNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code ?? (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && TRANSIENT_NET.has(code);
}

/**
 * SQLSTATEs where the same transaction may succeed on retry: serialization failure, deadlock,
 * admin shutdown / cannot connect now (a restarting server). The idea follows graphile-worker.
 */
const TRANSIENT_PG = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

/**
 * node-postgres's own errors when the connection is lost or cannot be had: they carry no SQLSTATE.
 * Seen while restarting Postgres mid-sync (docs/reliability.md).
 */
const LOST_PG_CONNECTION = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

/**
 * True for Postgres errors worth retrying (see the SQLSTATE list above, and a lost connection).
 * While the server is down, node-postgres passes the socket's own error on as it is (`connect
 * ECONNREFUSED`, code `ECONNREFUSED`): the api answered those `500 internal` during the soak's
 * Postgres restart (docs/reliability.md) instead of `503 db_unavailable`.
 */
export function isTransientPgError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return TRANSIENT_PG.has(code) || TRANSIENT_NET.has(code);
  return err instanceof Error && LOST_PG_CONNECTION.test(err.message);
}

/** A message for an unknown error that is safe to show: never the raw text of a foreign error. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isTransientPgError(err)) return new AppError('db_unavailable', undefined, { cause: err });
  return new AppError('internal', undefined, { cause: err });
}

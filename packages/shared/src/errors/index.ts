export { ERROR_CODES, isErrorCode, type ErrorCode } from './codes.js';
export { AppError, isAppError, isRetryable, isTransientNetworkError, isTransientPgError, toAppError, type AppErrorOptions } from './app-error.js';

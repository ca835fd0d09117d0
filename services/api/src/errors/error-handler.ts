import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, isAppError, toAppError, type ErrorCode } from '@canvas-sync/shared';

/** Fastify's own error codes for bad input, mapped onto our registry (never a 500 for bad input). */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_VALIDATION: 'validation_failed',
  FST_ERR_BAD_URL: 'not_found',
};

/** Other 4xx statuses fastify or a plugin may raise, by status. */
const BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Turns a validation error into one readable line: `body.chunkSize: Too big: expected …`. */
function validationMessage(err: FastifyError): string {
  const context = err.validationContext ?? 'request';
  const issues = (err.validation ?? []).slice(0, 5).map((v) => {
    const path = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    return `${context}${path ? `.${path}` : ''}: ${v.message ?? 'is not valid'}`;
  });
  return issues.length > 0 ? `The request is not valid: ${issues.join('; ')}` : 'The request is not valid.';
}

/** Classifies any thrown value as an {@link AppError} with a stable code. */
export function classifyError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const fe = err as Partial<FastifyError> | null;
  if (hasZodFastifySchemaValidationErrors(err) || (fe && Array.isArray(fe.validation))) {
    return new AppError('validation_failed', validationMessage(err as FastifyError), { cause: err });
  }
  if (isResponseSerializationError(err)) return new AppError('internal', undefined, { cause: err });
  const byCode = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (byCode) return new AppError(byCode, undefined, { cause: err });
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError(BY_STATUS[status] ?? 'validation_failed', undefined, { cause: err });
  }
  return toAppError(err);
}

/**
 * The one error handler: every failure answers `{error:{code,message}}` with the status of its
 * code; non-secret `details` (e.g. `syncId` on a 409) sit beside `error`. 5xx are logged at error
 * with the cause, 4xx at info; stacks and foreign messages never reach the client.
 */
export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = classifyError(err);
  const logFields = { code: appError.code, status: appError.status, err: appError.cause ?? appError };
  if (appError.status >= 500) request.log.error(logFields, 'request failed');
  else request.log.info({ code: appError.code, status: appError.status }, 'request refused');
  // RFC 6750: a 401 names the scheme the client should use.
  if (appError.code === 'unauthenticated') void reply.header('www-authenticate', 'Bearer realm="canvas-sync"');
  return reply
    .code(appError.status)
    .type('application/json; charset=utf-8')
    .send({ ...(appError.status < 500 ? appError.details : undefined), error: appError.toJSON() });
}

/** Installs the error and not-found handlers on `app`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => errorHandler(new AppError('not_found', 'No such route.'), request, reply));
}

import { z } from 'zod';

/** Every error answer: `{error:{code,message}}`, sometimes with non-secret facts beside it (`syncId`). */
export const ErrorBody = z.looseObject({ error: z.object({ code: z.string(), message: z.string() }) }).meta({ id: 'Error' });

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const authErrors = { 400: ErrorBody, 401: ErrorBody, 429: ErrorBody, 500: ErrorBody, 503: ErrorBody } as const;

/** A Canvas id in a query string: digits only, within the safe-integer range. */
export const CanvasIdParam = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a Canvas id (digits)')
  .transform(Number);

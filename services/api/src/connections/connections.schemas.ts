import { z } from 'zod';

/** `PUT /api/v1/canvas/connection`. The token is a Canvas access token: printable, no spaces. */
export const PutConnectionBody = z
  .object({
    baseUrl: z.string().min(1).max(2048),
    accessToken: z
      .string()
      .trim()
      .min(1)
      .max(4096)
      .regex(/^[\x21-\x7e]+$/, 'must be a Canvas access token (printable characters, no spaces)'),
  })
  .strict()
  .meta({ id: 'PutConnection' });
export type PutConnectionBody = z.infer<typeof PutConnectionBody>;

export const CanvasUser = z.object({ id: z.number(), name: z.string() });

/**
 * `GET /api/v1/canvas/connection`: never the token. `canvasUser` once known (a test succeeded, or
 * the OAuth grant named the user); `authType` and `status` when there is a connection row.
 */
export const ConnectionView = z
  .object({
    baseUrl: z.string().nullable(),
    connected: z.boolean(),
    canvasUser: CanvasUser.optional(),
    authType: z.enum(['token', 'oauth']).optional(),
    status: z.enum(['ok', 'reauth_required']).optional(),
  })
  .meta({ id: 'Connection' });
export type ConnectionView = z.infer<typeof ConnectionView>;

const TestFailureCode = z.enum(['invalid_token', 'forbidden', 'throttled', 'unreachable']);

/** `POST /api/v1/canvas/connection/test`: always 200; `ok` says whether Canvas accepted the token. */
export const ConnectionTestResult = z
  .discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), user: CanvasUser }),
    z.object({ ok: z.literal(false), error: z.object({ code: TestFailureCode, message: z.string() }) }),
  ])
  .meta({ id: 'ConnectionTestResult' });

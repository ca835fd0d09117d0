import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, type VerifyJwt } from '@canvas-sync/shared';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user (JWT `sub`); set on every `/api` route before its handler runs. */
    userId: string;
  }
}

/**
 * Requires a valid bearer token on every route of `app` (an encapsulated scope). It runs at
 * `onRequest`, before the body is read, so an anonymous client cannot make us parse anything.
 * The token rules (pinned algorithm, exp/nbf, iss/aud) are the shared verifier's, the same the
 * notifier applies to its WebSocket auth frame.
 */
export function requireUser(app: FastifyInstance, verify: VerifyJwt): void {
  app.decorateRequest('userId', '');
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new AppError('unauthenticated');
    request.userId = await verify(token);
  });
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i.exec(header);
  return match?.[1];
}

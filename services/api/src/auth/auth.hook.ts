import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '@canvas-sync/shared';
import { bearerToken, type VerifyUserToken } from './jwt-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user (JWT `sub`); set on every `/api` route before its handler runs. */
    userId: string;
  }
}

/**
 * Requires a valid bearer token on every route of `app` (an encapsulated scope). It runs at
 * `onRequest`, before the body is read, so an anonymous client cannot make us parse anything.
 */
export function requireUser(app: FastifyInstance, verify: VerifyUserToken): void {
  app.decorateRequest('userId', '');
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new AppError('unauthenticated');
    request.userId = await verify(token);
  });
}

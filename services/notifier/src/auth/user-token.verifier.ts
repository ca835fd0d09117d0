import { createJwtClaimsVerifier, isAppError, type JwtVerifierOptions, type VerifiedUserToken } from '@canvas-sync/shared';

/** Checks a user token: its user id and expiry, or `null` when the token is not acceptable. */
export type VerifyUserToken = (token: string) => Promise<VerifiedUserToken | null>;

/** The api's bearer-token rules (AUTH_JWT_SECRET or AUTH_JWKS_URL, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE). */
export type UserTokenOptions = JwtVerifierOptions;

/**
 * The shared user-token verifier (packages/shared/src/auth), so the WebSocket and the api accept
 * exactly the same tokens; a refused token is `null` (the socket closes with 4401), while a JWKS
 * that cannot be read stays an error (the socket is told to try again, not that its token is bad).
 * The expiry comes along: a socket is closed when its token expires.
 */
export function createUserTokenVerifier(options: UserTokenOptions): VerifyUserToken {
  const verify = createJwtClaimsVerifier(options);
  return async (token) => {
    try {
      return await verify(token);
    } catch (err) {
      if (isAppError(err, 'unauthenticated')) return null;
      throw err;
    }
  };
}

import { errors, jwtVerify } from 'jose';

/** Checks a user token and returns the user id, or `null` when the token is not acceptable. */
export type VerifyUserToken = (token: string) => Promise<string | null>;

/** The same rules as the api's bearer tokens (AUTH_JWT_SECRET, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE). */
export interface UserTokenOptions {
  secret: string;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/**
 * HS256 user tokens as the host app signs them (DESIGN.md), checked exactly as the api checks them:
 * the algorithm is pinned (no `none`, no RS/HS confusion), `exp` is required, `exp`/`nbf` allow 30 s
 * of clock skew, `sub` is the user id.
 */
export function createUserTokenVerifier(options: UserTokenOptions): VerifyUserToken {
  const key = new TextEncoder().encode(options.secret);
  const verifyOptions = {
    algorithms: ['HS256'],
    clockTolerance: 30,
    requiredClaims: ['exp', 'sub'],
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
  return async (token) => {
    if (token.length === 0 || token.length > 8_192) return null;
    try {
      const { payload } = await jwtVerify(token, key, verifyOptions);
      const sub = payload.sub;
      return typeof sub === 'string' && sub.length > 0 && sub.length <= 200 ? sub : null;
    } catch (err) {
      if (err instanceof errors.JOSEError) return null;
      throw err;
    }
  };
}

import { errors, jwtVerify } from 'jose';

/** Checks a user token and returns the user id, or `null` when the token is not acceptable. */
export type VerifyUserToken = (token: string) => Promise<string | null>;

/**
 * HS256 user tokens as the host app signs them (DESIGN.md): the algorithm is pinned (no `none`,
 * no RS/HS confusion), `exp` and `nbf` are enforced when present, `sub` is the user id.
 */
export function createUserTokenVerifier(secret: string): VerifyUserToken {
  const key = new TextEncoder().encode(secret);
  return async (token) => {
    if (token.length === 0 || token.length > 8_192) return null;
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], clockTolerance: 5 });
      const sub = payload.sub;
      return typeof sub === 'string' && sub.length > 0 && sub.length <= 200 ? sub : null;
    } catch (err) {
      if (err instanceof errors.JOSEError) return null;
      throw err;
    }
  };
}

import { errors as joseErrors, jwtVerify } from 'jose';
import { AppError, UserId } from '@canvas-sync/shared';

/** How user tokens are checked: HS256 with the shared secret the host app signs with. */
export interface JwtOptions {
  secret: string;
  issuer?: string;
  audience?: string;
  /** Allowed clock difference for `exp`/`nbf`, in seconds. */
  clockToleranceSeconds?: number;
}

/** Verifies a bearer token and returns the user id (`sub`); throws `unauthenticated`. */
export type VerifyUserToken = (token: string) => Promise<string>;

/** A token longer than this is refused before any crypto runs (cheap abuse guard). */
const MAX_TOKEN_LENGTH = 8 * 1024;

/**
 * Builds the verifier. The algorithm is pinned to HS256: `alg: none`, HS512 or an RS256 token
 * signed with the secret as a "public key" (algorithm confusion) are all refused. `exp` is
 * required, and `exp`/`nbf` are checked with a small skew for clocks that drift.
 */
export function createJwtVerifier(options: JwtOptions): VerifyUserToken {
  const key = new TextEncoder().encode(options.secret);
  const verifyOptions = {
    algorithms: ['HS256'],
    clockTolerance: options.clockToleranceSeconds ?? 30,
    requiredClaims: ['exp', 'sub'],
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
  return async (token) => {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw unauthenticated();
    try {
      const { payload } = await jwtVerify(token, key, verifyOptions);
      const sub = UserId.safeParse(payload.sub);
      if (!sub.success) throw unauthenticated('The token has no valid subject.');
      return sub.data;
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw unauthenticated(reasonOf(err), err);
    }
  };
}

/** A short, safe reason (jose messages can echo claim values; we do not). */
function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `The token's "${err.claim}" claim is not valid.`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm that is not accepted.';
  return 'The token is not valid.';
}

function unauthenticated(message = 'A valid bearer token is required.', cause?: unknown): AppError {
  return new AppError('unauthenticated', message, cause === undefined ? {} : { cause });
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i.exec(header);
  return match?.[1];
}

import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { AppError } from '../errors/index.js';
import { UserId } from '../messages/common.js';

/** Signature algorithms a user token may be configured for (one at a time: the one is pinned). */
export const USER_TOKEN_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
export type UserTokenAlgorithm = (typeof USER_TOKEN_ALGORITHMS)[number];

/**
 * How user tokens (the host app's JWTs) are checked. Exactly one key source: `secret` (HS256, a
 * secret shared with the host app) or `jwksUrl` (RS256/ES256, public keys the host app publishes).
 */
export interface JwtVerifierOptions {
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  /** Defaults to HS256 with a secret, RS256 with a JWKS URL. */
  algorithm?: UserTokenAlgorithm | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** Allowed clock difference for `exp`/`nbf`, in seconds (default 30). */
  clockToleranceSeconds?: number | undefined;
  /** JWKS fetch deadline (default 5 s). */
  jwksTimeoutMs?: number | undefined;
  /** Least time between two JWKS fetches for an unknown `kid` (default 30 s). */
  jwksCooldownMs?: number | undefined;
}

/** Checks a token and returns the user id (`sub`); throws `unauthenticated` or `auth_unavailable`. */
export type VerifyJwt = (token: string) => Promise<string>;

/** A checked token: the user id and when the token expires (ms since the epoch). */
export interface VerifiedUserToken {
  userId: string;
  expiresAt: number;
}

/** Like {@link VerifyJwt}, keeping `exp` too (a long-lived WebSocket must end when its token does). */
export type VerifyJwtClaims = (token: string) => Promise<VerifiedUserToken>;

/** A token longer than this is refused before any crypto runs (cheap abuse guard). */
const MAX_TOKEN_LENGTH = 8 * 1024;
/** The shortest HS256 secret accepted (the config refuses shorter ones earlier, with the same number). */
export const MIN_SECRET_LENGTH = 16;

/** The JWKS could not be read: our side (or the host app's), not the caller's token. */
class KeySourceError extends Error {}

/**
 * Builds the one user-token verifier of canvas-sync (api bearer tokens and the notifier's
 * WebSocket auth frame). The algorithm is pinned to the configured one, so `alg: none`, another
 * HMAC size, or an HS256 token "signed" with the RS256 public key (algorithm confusion) are refused
 * before any key is looked up. `exp` and `sub` are required; `exp`/`nbf` allow a small clock skew;
 * `iss`/`aud` are checked when configured, and must be configured with a JWKS URL. Throws at construction on a contradictory setup.
 */
export function createJwtVerifier(options: JwtVerifierOptions): VerifyJwt {
  const verify = createJwtClaimsVerifier(options);
  return async (token) => (await verify(token)).userId;
}

/** {@link createJwtVerifier} with the token's expiry in the answer. */
export function createJwtClaimsVerifier(options: JwtVerifierOptions): VerifyJwtClaims {
  const algorithm = options.algorithm ?? (options.jwksUrl ? 'RS256' : 'HS256');
  const key = keySource(options, algorithm);
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [algorithm],
    clockTolerance: options.clockToleranceSeconds ?? 30,
    requiredClaims: ['exp', 'sub'],
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
  return async (token) => {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw unauthenticated();
    try {
      const { payload } = key instanceof Uint8Array ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions);
      const sub = UserId.safeParse(payload.sub);
      if (!sub.success) throw unauthenticated('The token has no valid subject.');
      // exp is a required claim, so jose has checked it is a number.
      return { userId: sub.data, expiresAt: (payload.exp as number) * 1000 };
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof KeySourceError) throw new AppError('auth_unavailable', undefined, { cause: err.cause });
      throw unauthenticated(reasonOf(err), err);
    }
  };
}

function keySource(options: JwtVerifierOptions, algorithm: UserTokenAlgorithm): Uint8Array | JWTVerifyGetKey {
  if (options.secret && options.jwksUrl) throw new Error('user tokens: set a secret or a JWKS URL, not both');
  if (algorithm === 'HS256') {
    if (!options.secret || options.secret.length < MIN_SECRET_LENGTH) throw new Error(`user tokens: HS256 needs a secret of at least ${MIN_SECRET_LENGTH} characters`);
    return new TextEncoder().encode(options.secret);
  }
  if (!options.jwksUrl) throw new Error(`user tokens: ${algorithm} needs a JWKS URL`);
  // A JWKS is usually a shared identity provider: without iss/aud a token for another app would pass.
  if (!options.issuer || !options.audience) throw new Error('user tokens: a JWKS URL needs an issuer and an audience to check');
  const remote = createRemoteJWKSet(new URL(options.jwksUrl), {
    timeoutDuration: options.jwksTimeoutMs ?? 5_000,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: 10 * 60_000,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      // No key for the token's kid/alg is the token's fault; an unreachable or broken JWKS is not.
      if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) throw err;
      throw new KeySourceError('the JWKS could not be read', { cause: err });
    }
  };
}

/** A short, safe reason (jose messages can echo claim values; we do not). */
function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `The token's "${err.claim}" claim is not valid.`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm that is not accepted.';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'The token is signed with a key that is not known.';
  return 'The token is not valid.';
}

function unauthenticated(message = 'A valid bearer token is required.', cause?: unknown): AppError {
  return new AppError('unauthenticated', message, cause === undefined ? {} : { cause });
}

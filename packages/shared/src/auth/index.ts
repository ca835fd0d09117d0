export {
  createJwtClaimsVerifier,
  createJwtVerifier,
  USER_TOKEN_ALGORITHMS,
  type JwtVerifierOptions,
  type UserTokenAlgorithm,
  type VerifiedUserToken,
  type VerifyJwt,
  type VerifyJwtClaims,
} from './jwt-verifier.js';
export {
  DEV_JWT_SECRET,
  jwksEnvSchema,
  resolveUserTokenConfig,
  userTokenConfigProblems,
  userTokenEnvSchema,
  userTokenProblems,
  type UserTokenConfig,
  type UserTokenKeySource,
} from './auth-config.js';

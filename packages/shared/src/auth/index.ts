export { createJwtVerifier, USER_TOKEN_ALGORITHMS, type JwtVerifierOptions, type UserTokenAlgorithm, type VerifyJwt } from './jwt-verifier.js';
export { jwksEnvSchema, userTokenConfigProblems, type UserTokenKeySource } from './auth-config.js';

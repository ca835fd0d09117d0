import { isIP } from 'node:net';
import { z } from 'zod';
import { type ConfigProblem, type Deployment } from '../config/deployment.js';
import { envOptionalUrl } from '../config/env-schemas.js';
import { envSecretWith, secretProblems, type SecretRule } from '../config/secrets.js';
import { MIN_SECRET_LENGTH, USER_TOKEN_ALGORITHMS, type UserTokenAlgorithm } from './jwt-verifier.js';

/** Signs nothing real: `npm start`'s demo token only. Refused in production; warned about elsewhere. */
export const DEV_JWT_SECRET = 'dev-only-canvas-sync-jwt-secret';

/** What `AUTH_JWT_SECRET` must look like (the shared secret rule): long enough for HS256, and not the dev secret in production. */
const JWT_SECRET_RULE: SecretRule = { minLength: MIN_SECRET_LENGTH, devValue: { value: DEV_JWT_SECRET, what: 'JWT secret (or set AUTH_JWKS_URL)' } };

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `AUTH_JWKS_URL` (the host app's public keys, for RS256/ES256 user tokens) and
 * `AUTH_JWT_ALGORITHM`, read beside `AUTH_JWT_SECRET` by every service that checks user tokens.
 * The JWKS must come over https: keys fetched in the clear could be swapped by anyone on the
 * path. Plain http is accepted for loopback only (a local identity provider, tests).
 */
export const jwksEnvSchema = z.object({
  AUTH_JWKS_URL: envOptionalUrl('must be a URL like https://login.example.edu/.well-known/jwks.json', (url) => {
    const loopback = LOOPBACK_HOSTS.has(url.hostname) || (isIP(url.hostname) === 4 && url.hostname.startsWith('127.'));
    return url.protocol === 'https:' || (url.protocol === 'http:' && loopback) ? undefined : 'must use https:// (http:// only on localhost)';
  }),
  AUTH_JWT_ALGORITHM: z
    .enum([...USER_TOKEN_ALGORITHMS, ''])
    .optional()
    .transform((v) => (v === '' || v === undefined ? undefined : v)),
});

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * Every variable of user tokens, read alike by the api and the notifier (they must accept exactly
 * the same tokens): the key source ({@link jwksEnvSchema} or `AUTH_JWT_SECRET`, trimmed by the
 * shared secret rule) and the `iss`/`aud` a token must carry.
 */
export const userTokenEnvSchema = jwksEnvSchema.extend({
  AUTH_JWT_SECRET: envSecretWith(JWT_SECRET_RULE),
  AUTH_JWT_ISSUER: optionalText,
  AUTH_JWT_AUDIENCE: optionalText,
});

/** The key source of user tokens as configured. */
export interface UserTokenKeySource {
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  algorithm?: UserTokenAlgorithm | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/**
 * What is contradictory or unsafe in a key-source setting (empty when it is fine), each under the
 * variable to change. A JWKS is usually a shared identity provider that signs tokens for many
 * apps: without `iss` and `aud` pinned, a token minted for another app would be accepted here.
 */
export function userTokenProblems(source: UserTokenKeySource): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const algorithm = source.algorithm ?? (source.jwksUrl ? 'RS256' : 'HS256');
  if (source.secret && source.jwksUrl) problems.push({ variable: 'AUTH_JWT_SECRET', message: 'set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both' });
  if (algorithm === 'HS256' && source.jwksUrl) problems.push({ variable: 'AUTH_JWT_ALGORITHM', message: 'HS256 uses AUTH_JWT_SECRET; with AUTH_JWKS_URL choose RS256 or ES256' });
  if (algorithm !== 'HS256' && !source.jwksUrl) problems.push({ variable: 'AUTH_JWT_ALGORITHM', message: `${algorithm} needs AUTH_JWKS_URL` });
  const shared = 'is required with AUTH_JWKS_URL (a shared identity provider signs tokens for other apps too)';
  if (source.jwksUrl && !source.issuer) problems.push({ variable: 'AUTH_JWT_ISSUER', message: shared });
  if (source.jwksUrl && !source.audience) problems.push({ variable: 'AUTH_JWT_AUDIENCE', message: shared });
  return problems;
}

/** {@link userTokenProblems} as `VARIABLE: message` lines. */
export function userTokenConfigProblems(source: UserTokenKeySource): string[] {
  return userTokenProblems(source).map((p) => `${p.variable}: ${p.message}`);
}

/** User-token settings as a service holds them. */
export interface UserTokenConfig {
  /** HS256 secret; the dev secret when none is set and no JWKS is configured (never in production). */
  secret: string | undefined;
  jwksUrl: string | undefined;
  algorithm: UserTokenAlgorithm | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  usingDevSecret: boolean;
}

/**
 * Turns the parsed user-token variables into the settings, with every problem: contradictions,
 * `iss`/`aud` missing beside a JWKS, and (in production) the public dev secret, whether
 * defaulted to or set by hand.
 */
export function resolveUserTokenConfig(env: z.output<typeof userTokenEnvSchema>, deployment: Deployment): { config: UserTokenConfig; problems: ConfigProblem[] } {
  const source = { secret: env.AUTH_JWT_SECRET, jwksUrl: env.AUTH_JWKS_URL, algorithm: env.AUTH_JWT_ALGORITHM, issuer: env.AUTH_JWT_ISSUER, audience: env.AUTH_JWT_AUDIENCE };
  const problems = userTokenProblems(source);
  // With a JWKS there is no secret at all: the dev secret must not open a second way in.
  const secret = source.jwksUrl ? undefined : (source.secret ?? DEV_JWT_SECRET);
  const usingDevSecret = secret === DEV_JWT_SECRET;
  problems.push(...secretProblems('AUTH_JWT_SECRET', secret, JWT_SECRET_RULE, deployment));
  return { config: { ...source, secret, usingDevSecret }, problems };
}

import { isIP } from 'node:net';
import { z } from 'zod';
import { USER_TOKEN_ALGORITHMS, type UserTokenAlgorithm } from './jwt-verifier.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `AUTH_JWKS_URL` (the host app's public keys, for RS256/ES256 user tokens) and
 * `AUTH_JWT_ALGORITHM`, read beside `AUTH_JWT_SECRET` by every service that checks user tokens.
 * The JWKS must come over https: keys fetched in the clear could be swapped by anyone on the
 * path. Plain http is accepted for loopback only (a local identity provider, tests).
 */
export const jwksEnvSchema = z.object({
  AUTH_JWKS_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      let url: URL;
      try {
        url = new URL(v.trim());
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a URL like https://login.example.edu/.well-known/jwks.json' });
        return z.NEVER;
      }
      const loopback = LOOPBACK_HOSTS.has(url.hostname) || (isIP(url.hostname) === 4 && url.hostname.startsWith('127.'));
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
        ctx.addIssue({ code: 'custom', message: 'must use https:// (http:// only on localhost)' });
        return z.NEVER;
      }
      return url.toString();
    }),
  AUTH_JWT_ALGORITHM: z
    .enum([...USER_TOKEN_ALGORITHMS, ''])
    .optional()
    .transform((v) => (v === '' || v === undefined ? undefined : v)),
});

/** The key source of user tokens as configured. */
export interface UserTokenKeySource {
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  algorithm?: UserTokenAlgorithm | undefined;
}

/** What is contradictory in a key-source setting (empty when it is fine), for the config loader to list. */
export function userTokenConfigProblems(source: UserTokenKeySource): string[] {
  const problems: string[] = [];
  const algorithm = source.algorithm ?? (source.jwksUrl ? 'RS256' : 'HS256');
  if (source.secret && source.jwksUrl) problems.push('AUTH_JWT_SECRET and AUTH_JWKS_URL: set one of them, not both');
  if (algorithm === 'HS256' && source.jwksUrl) problems.push('AUTH_JWT_ALGORITHM: HS256 uses AUTH_JWT_SECRET; with AUTH_JWKS_URL choose RS256 or ES256');
  if (algorithm !== 'HS256' && !source.jwksUrl) problems.push(`AUTH_JWT_ALGORITHM: ${algorithm} needs AUTH_JWKS_URL`);
  return problems;
}

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  baseEnvSchema,
  envInt,
  jwksEnvSchema,
  loadConfig,
  parseAllowedHosts,
  parseTokenKeys,
  toBaseConfig,
  tokenKeysEnvSchema,
  userTokenConfigProblems,
  type BaseConfig,
  type Env,
  type TokenKeysConfig,
  type UserTokenAlgorithm,
} from '@canvas-sync/shared';
import { apiOAuthEnvSchema, oauthConfigProblems, toOAuthConfig, type ApiOAuthConfig } from './oauth/oauth.config.js';

/** Signs nothing real: the demo and local runs only. The api warns on every start that uses it. */
export const DEV_JWT_SECRET = 'dev-only-canvas-sync-jwt-secret';

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const commaList = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));

type ReadFile = (path: string) => string;
const readUtf8: ReadFile = (path) => readFileSync(path, 'utf8');

const apiEnvSchema = (readFile: ReadFile) =>
  baseEnvSchema
    .extend({
      API_PORT: envInt(3000, 0, 65_535),
      HOST: z.string().optional().transform((v) => v ?? '0.0.0.0'),
      /** `npm start`'s demo mode. Unset = not said: the dev JWT secret is allowed with a warning. */
      DEMO: z.enum(['1', '0', 'true', 'false', 'yes', 'no', '']).optional(),
      NODE_ENV: z.string().optional(),
      AUTH_JWT_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters (32+ recommended)').optional()),
      AUTH_JWT_ISSUER: optionalText,
      AUTH_JWT_AUDIENCE: optionalText,
      CANVAS_ALLOWED_HOSTS: z.string().optional(),
      CANVAS_ALLOW_PRIVATE_NETWORK: z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).optional(),
      CORS_ORIGINS: commaList,
      API_RATE_LIMIT_PER_MINUTE: envInt(300, 1, 1_000_000),
    })
    .extend(tokenKeysEnvSchema.shape)
    .extend(jwksEnvSchema.shape)
    .extend(apiOAuthEnvSchema.shape)
    .superRefine((env, ctx) => {
      for (const { path, message } of oauthConfigProblems(env, readFile, { demo: truthy(env.DEMO) })) ctx.addIssue({ code: 'custom', path: [path], message });
      // Outside the demo (DEMO=0 or NODE_ENV=production) a forgotten secret must stop the start.
      if (!env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL && !demoAllowed(env)) {
        ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_SECRET'], message: 'is required when DEMO=0 or NODE_ENV=production (or set AUTH_JWKS_URL)' });
      }
      for (const problem of userTokenConfigProblems({ secret: env.AUTH_JWT_SECRET, jwksUrl: env.AUTH_JWKS_URL, algorithm: env.AUTH_JWT_ALGORITHM })) {
        ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_ALGORITHM'], message: problem });
      }
      const keys = parseTokenKeys(env, readFile);
      if (typeof keys === 'string') ctx.addIssue({ code: 'custom', path: ['TOKEN_ENCRYPTION_KEY'], message: keys });
      for (const origin of env.CORS_ORIGINS) {
        if (!/^https?:\/\/[^/]+$/.test(origin)) ctx.addIssue({ code: 'custom', path: ['CORS_ORIGINS'], message: `"${origin}" is not an origin like https://app.example.com` });
      }
    });
type ApiEnv = z.output<ReturnType<typeof apiEnvSchema>>;
const truthy = (v: string | undefined) => v === '1' || v === 'true' || v === 'yes';
const falsy = (v: string | undefined) => v === '0' || v === 'false' || v === 'no';
const demoAllowed = (env: Pick<ApiEnv, 'DEMO' | 'NODE_ENV'>) => !falsy(env.DEMO) && env.NODE_ENV !== 'production';

/** The api's configuration, parsed once at start-up. */
export interface ApiConfig extends BaseConfig {
  port: number;
  host: string;
  /** User tokens: `secret` (HS256) or `jwksUrl` (RS256/ES256), never both. */
  auth: { secret?: string; jwksUrl?: string; algorithm?: UserTokenAlgorithm; issuer?: string; audience?: string; usingDevSecret: boolean };
  tokenKeys: TokenKeysConfig;
  canvas: { allowedHosts: string[]; allowPrivateNetwork: boolean };
  /** Origins allowed by CORS; empty = CORS closed (no CORS headers at all). */
  corsOrigins: string[];
  /** Requests per minute per user (or per IP before auth). */
  rateLimitPerMinute: number;
  /** Canvas OAuth2: PUBLIC_URL, developer keys, CANVAS_PERSONAL_TOKENS (oauth/oauth.config.ts). */
  oauth: ApiOAuthConfig;
}

/** Parses the environment; throws `config_invalid` naming every bad variable. */
export function loadApiConfig(env: Env, readFile: ReadFile = readUtf8): ApiConfig {
  const parsed: ApiEnv = loadConfig(apiEnvSchema(readFile), env);
  // Parsed after loadConfig: it deep-freezes its result, and key Buffers cannot be frozen.
  const tokenKeys = parseTokenKeys(parsed, readFile) as TokenKeysConfig;
  // With a JWKS there is no secret at all: the dev secret must not open a second way in.
  const secret = parsed.AUTH_JWKS_URL ? undefined : (parsed.AUTH_JWT_SECRET ?? DEV_JWT_SECRET);
  return Object.freeze({
    ...toBaseConfig(parsed),
    port: parsed.API_PORT,
    host: parsed.HOST,
    auth: {
      secret,
      jwksUrl: parsed.AUTH_JWKS_URL,
      algorithm: parsed.AUTH_JWT_ALGORITHM,
      issuer: parsed.AUTH_JWT_ISSUER,
      audience: parsed.AUTH_JWT_AUDIENCE,
      usingDevSecret: secret === DEV_JWT_SECRET,
    },
    tokenKeys,
    canvas: {
      allowedHosts: parseAllowedHosts(parsed.CANVAS_ALLOWED_HOSTS),
      // DESIGN.md: on in the demo (it talks to the local simulator), off otherwise.
      allowPrivateNetwork: parsed.CANVAS_ALLOW_PRIVATE_NETWORK ? truthy(parsed.CANVAS_ALLOW_PRIVATE_NETWORK) : truthy(parsed.DEMO),
    },
    corsOrigins: [...parsed.CORS_ORIGINS],
    rateLimitPerMinute: parsed.API_RATE_LIMIT_PER_MINUTE,
    oauth: toOAuthConfig(parsed, readFile, { port: parsed.API_PORT, demo: truthy(parsed.DEMO) }),
  });
}

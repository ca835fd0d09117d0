import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  addConfigProblems,
  baseEnvSchema,
  deploymentEnvSchema,
  deploymentOf,
  developmentDefaultProblems,
  devTokenKeyDefault,
  envInt,
  loadConfig,
  metricsPortEnvSchema,
  parseAllowedHosts,
  parseTokenKeys,
  resolveUserTokenConfig,
  toBaseConfig,
  tokenKeysEnvSchema,
  userTokenEnvSchema,
  type BaseConfig,
  type Env,
  type TokenKeysConfig,
  type UserTokenConfig,
} from '@canvas-sync/shared';
import { scheduleConfigProblems, scheduleEnvSchema, toScheduleConfig, type ScheduleConfig } from './schedules/schedule.config.js';
import { apiOAuthEnvSchema, oauthConfigProblems, toOAuthConfig, type ApiOAuthConfig } from './oauth/oauth.config.js';

/** The public dev secret (packages/shared); refused in production, warned about elsewhere. */
export { DEV_JWT_SECRET } from '@canvas-sync/shared';

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
      CANVAS_ALLOWED_HOSTS: z.string().optional(),
      CANVAS_ALLOW_PRIVATE_NETWORK: z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).optional(),
      CORS_ORIGINS: commaList,
      API_RATE_LIMIT_PER_MINUTE: envInt(300, 1, 1_000_000),
    })
    .extend(metricsPortEnvSchema.shape)
    .extend(deploymentEnvSchema.shape)
    .extend(tokenKeysEnvSchema.shape)
    .extend(userTokenEnvSchema.shape)
    .extend(apiOAuthEnvSchema.shape)
    .extend(scheduleEnvSchema.shape)
    .superRefine((env, ctx) => {
      // Outside the demo (DEMO=0 or NODE_ENV=production) a dev secret or key must stop the start (shared rule).
      const deployment = deploymentOf(env);
      addConfigProblems(ctx, resolveUserTokenConfig(env, deployment).problems);
      for (const { path, message } of oauthConfigProblems(env, readFile, { demo: deployment.demo })) ctx.addIssue({ code: 'custom', path: [path], message });
      for (const { path, message } of scheduleConfigProblems(env)) ctx.addIssue({ code: 'custom', path: [path], message });
      const keys = parseTokenKeys(env, readFile);
      if (typeof keys === 'string') ctx.addIssue({ code: 'custom', path: ['TOKEN_ENCRYPTION_KEY'], message: keys });
      else addConfigProblems(ctx, developmentDefaultProblems(deployment, [devTokenKeyDefault(keys)]));
      for (const origin of env.CORS_ORIGINS) {
        if (!/^https?:\/\/[^/]+$/.test(origin)) ctx.addIssue({ code: 'custom', path: ['CORS_ORIGINS'], message: `"${origin}" is not an origin like https://app.example.com` });
      }
    });
type ApiEnv = z.output<ReturnType<typeof apiEnvSchema>>;
const truthy = (v: string | undefined) => v === '1' || v === 'true' || v === 'yes';

/** The api's configuration, parsed once at start-up. */
export interface ApiConfig extends BaseConfig {
  port: number;
  host: string;
  /** Operator-only port for `/metrics` and detailed `/readyz`; undefined = none. */
  metricsPort: number | undefined;
  /** User tokens: `secret` (HS256) or `jwksUrl` (RS256/ES256 with `issuer` and `audience`), never both. */
  auth: UserTokenConfig;
  tokenKeys: TokenKeysConfig;
  canvas: { allowedHosts: string[]; allowPrivateNetwork: boolean };
  /** Origins allowed by CORS; empty = CORS closed (no CORS headers at all). */
  corsOrigins: string[];
  /** Requests per minute per user (or per IP before auth). */
  rateLimitPerMinute: number;
  /** Canvas OAuth2: PUBLIC_URL, developer keys, CANVAS_PERSONAL_TOKENS (oauth/oauth.config.ts). */
  oauth: ApiOAuthConfig;
  /** Schedules and the scheduler (schedules/schedule.config.ts). */
  schedule: ScheduleConfig;
}

/** Parses the environment; throws `config_invalid` naming every bad variable. */
export function loadApiConfig(env: Env, readFile: ReadFile = readUtf8): ApiConfig {
  const parsed: ApiEnv = loadConfig(apiEnvSchema(readFile), env);
  // Parsed after loadConfig: it deep-freezes its result, and key Buffers cannot be frozen.
  const tokenKeys = parseTokenKeys(parsed, readFile) as TokenKeysConfig;
  return Object.freeze({
    ...toBaseConfig(parsed),
    port: parsed.API_PORT,
    host: parsed.HOST,
    metricsPort: parsed.METRICS_PORT,
    auth: resolveUserTokenConfig(parsed, deploymentOf(parsed)).config,
    tokenKeys,
    canvas: {
      allowedHosts: parseAllowedHosts(parsed.CANVAS_ALLOWED_HOSTS),
      // DESIGN.md: on in the demo (it talks to the local simulator), off otherwise.
      allowPrivateNetwork: parsed.CANVAS_ALLOW_PRIVATE_NETWORK ? truthy(parsed.CANVAS_ALLOW_PRIVATE_NETWORK) : truthy(parsed.DEMO),
    },
    corsOrigins: [...parsed.CORS_ORIGINS],
    rateLimitPerMinute: parsed.API_RATE_LIMIT_PER_MINUTE,
    oauth: toOAuthConfig(parsed, readFile, { port: parsed.API_PORT, demo: deploymentOf(parsed).demo }),
    schedule: toScheduleConfig(parsed),
  });
}

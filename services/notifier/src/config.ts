import { z } from 'zod';
import { AppError, baseEnvSchema, envInt, jwksEnvSchema, loadConfig, toBaseConfig, userTokenConfigProblems, type BaseConfig, type Env, type UserTokenAlgorithm } from '@canvas-sync/shared';

/** The dev secret `npm start` signs its demo token with; never used when AUTH_JWT_SECRET is set. */
export const DEV_JWT_SECRET = 'dev-only-canvas-sync-jwt-secret';

const originList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return null;
    const items = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const item of items) {
      if (item === '*') continue;
      try {
        const url = new URL(item);
        if (url.origin !== item.replace(/\/$/, '')) throw new Error('not an origin');
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be a comma list of origins like https://app.example.com (or *), got "${item}"` });
        return z.NEVER;
      }
    }
    return items.map((i) => i.replace(/\/$/, ''));
  });

const notifierEnvSchema = baseEnvSchema.extend({
  NOTIFIER_PORT: envInt(3001, 0, 65_535),
  HOST: z.string().optional().transform((v) => v ?? '0.0.0.0'),
  NODE_ENV: z.string().optional().transform((v) => v ?? 'development'),
  DEMO: z.enum(['1', '0', 'true', 'false', 'yes', 'no', '']).optional(),
  AUTH_JWT_SECRET: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || v.length >= 16, 'must be at least 16 characters'),
  AUTH_JWT_ISSUER: z.string().optional(),
  AUTH_JWT_AUDIENCE: z.string().optional(),
  /** Origins allowed to open `/ws`; unset = same host, plus localhost outside production. */
  WS_ALLOWED_ORIGINS: originList,
  WS_MAX_CONNECTIONS_PER_USER: envInt(20, 1, 10_000),
  WS_HEARTBEAT_MS: envInt(15_000, 100, 600_000),
  WS_AUTH_TIMEOUT_MS: envInt(5_000, 100, 60_000),
  /** Frames a client may send per second (burst twice that) before it is closed with 1008. */
  WS_MAX_FRAMES_PER_SECOND: envInt(20, 1, 10_000),
}).extend(jwksEnvSchema.shape);

/** Limits of the WebSocket endpoint. */
export interface WsConfig {
  allowedOrigins: readonly string[] | null;
  allowLocalhost: boolean;
  maxConnectionsPerUser: number;
  heartbeatMs: number;
  authTimeoutMs: number;
  maxFramesPerSecond: number;
  /** Largest inbound frame; ws closes bigger ones with 1009. */
  maxPayloadBytes: number;
}

/** The notifier's configuration, parsed once at start-up. */
export interface NotifierConfig extends BaseConfig {
  port: number;
  host: string;
  /** User tokens, as the api checks them: `jwtSecret` (HS256) or `jwksUrl` (RS256/ES256), never both. */
  auth: { jwtSecret: string | undefined; jwksUrl: string | undefined; algorithm: UserTokenAlgorithm | undefined; issuer: string | undefined; audience: string | undefined; usingDevSecret: boolean };
  ws: WsConfig;
}

/** Parses the environment; throws `config_invalid` naming every bad variable. */
export function loadNotifierConfig(env: Env): NotifierConfig {
  const parsed: z.output<typeof notifierEnvSchema> = loadConfig(notifierEnvSchema, env);
  const secret = parsed.AUTH_JWT_SECRET && parsed.AUTH_JWT_SECRET !== '' ? parsed.AUTH_JWT_SECRET : undefined;
  const demoOff = parsed.DEMO === '0' || parsed.DEMO === 'false' || parsed.DEMO === 'no';
  const jwksUrl = parsed.AUTH_JWKS_URL;
  const problems = userTokenConfigProblems({ secret, jwksUrl, algorithm: parsed.AUTH_JWT_ALGORITHM });
  if (problems.length > 0) {
    throw new AppError('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, { details: { variables: ['AUTH_JWT_ALGORITHM'] } });
  }
  if (secret === undefined && jwksUrl === undefined && (demoOff || parsed.NODE_ENV === 'production')) {
    // A token signed with the public dev secret would let anyone in (same rule as the api).
    throw new AppError('config_invalid', 'Invalid configuration:\n  - AUTH_JWT_SECRET: is required when DEMO=0 or NODE_ENV=production', { details: { variables: ['AUTH_JWT_SECRET'] } });
  }
  const text = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  return Object.freeze({
    ...toBaseConfig(parsed),
    port: parsed.NOTIFIER_PORT,
    host: parsed.HOST,
    auth: Object.freeze({
      jwtSecret: jwksUrl ? undefined : (secret ?? DEV_JWT_SECRET),
      jwksUrl,
      algorithm: parsed.AUTH_JWT_ALGORITHM,
      issuer: text(parsed.AUTH_JWT_ISSUER),
      audience: text(parsed.AUTH_JWT_AUDIENCE),
      usingDevSecret: secret === undefined && jwksUrl === undefined,
    }),
    ws: Object.freeze({
      allowedOrigins: parsed.WS_ALLOWED_ORIGINS,
      allowLocalhost: parsed.NODE_ENV !== 'production',
      maxConnectionsPerUser: parsed.WS_MAX_CONNECTIONS_PER_USER,
      heartbeatMs: parsed.WS_HEARTBEAT_MS,
      authTimeoutMs: parsed.WS_AUTH_TIMEOUT_MS,
      maxFramesPerSecond: parsed.WS_MAX_FRAMES_PER_SECOND,
      maxPayloadBytes: 16 * 1024,
    }),
  });
}

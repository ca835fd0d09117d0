import { z } from 'zod';
import {
  addConfigProblems,
  baseEnvSchema,
  deploymentEnvSchema,
  deploymentOf,
  envInt,
  loadConfig,
  metricsPortEnvSchema,
  resolveUserTokenConfig,
  toBaseConfig,
  userTokenEnvSchema,
  type BaseConfig,
  type Env,
  type UserTokenConfig,
} from '@canvas-sync/shared';

/** The public dev secret (packages/shared) `npm start` signs its demo token with; refused in production. */
export { DEV_JWT_SECRET } from '@canvas-sync/shared';

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
  /** Origins allowed to open `/ws`; unset = same host, plus localhost outside production. */
  WS_ALLOWED_ORIGINS: originList,
  WS_MAX_CONNECTIONS_PER_USER: envInt(20, 1, 10_000),
  WS_HEARTBEAT_MS: envInt(15_000, 100, 600_000),
  WS_AUTH_TIMEOUT_MS: envInt(5_000, 100, 60_000),
  /** Sockets one client IP may hold before they authenticate; more are refused (429 / close 1008). */
  WS_MAX_UNAUTHENTICATED_PER_IP: envInt(100, 1, 100_000),
  /** Frames a client may send per second (burst twice that) before it is closed with 1008. */
  WS_MAX_FRAMES_PER_SECOND: envInt(20, 1, 10_000),
  /** How often the syncs that sockets watch are re-read from Postgres, to send what a lost event did not. */
  PROGRESS_RECONCILE_MS: envInt(5_000, 100, 600_000),
})
  .extend(metricsPortEnvSchema.shape)
  .extend(deploymentEnvSchema.shape)
  .extend(userTokenEnvSchema.shape)
  // Same rules as the api (shared): contradictions, iss/aud with a JWKS, no dev secret in production.
  .superRefine((env, ctx) => addConfigProblems(ctx, resolveUserTokenConfig(env, deploymentOf(env)).problems));

/** Limits of the WebSocket endpoint. */
export interface WsConfig {
  allowedOrigins: readonly string[] | null;
  allowLocalhost: boolean;
  maxConnectionsPerUser: number;
  heartbeatMs: number;
  authTimeoutMs: number;
  /** Sockets of one client IP still in the auth phase. */
  maxUnauthenticatedPerIp: number;
  maxFramesPerSecond: number;
  /** Largest inbound frame; ws closes bigger ones with 1009. */
  maxPayloadBytes: number;
}

/** The notifier's configuration, parsed once at start-up. */
export interface NotifierConfig extends BaseConfig {
  port: number;
  host: string;
  /** Operator-only port for `/metrics` and detailed `/readyz`; undefined = none. */
  metricsPort: number | undefined;
  /** User tokens, as the api checks them: `secret` (HS256) or `jwksUrl` (RS256/ES256 with `issuer` and `audience`), never both. */
  auth: UserTokenConfig;
  ws: WsConfig;
  /** Period of the catch-up read of watched, unfinished syncs (see progress.reconciler.ts). */
  progressReconcileMs: number;
}

/** Parses the environment; throws `config_invalid` naming every bad variable. */
export function loadNotifierConfig(env: Env): NotifierConfig {
  const parsed: z.output<typeof notifierEnvSchema> = loadConfig(notifierEnvSchema, env);
  const deployment = deploymentOf(parsed);
  return Object.freeze({
    ...toBaseConfig(parsed),
    port: parsed.NOTIFIER_PORT,
    host: parsed.HOST,
    metricsPort: parsed.METRICS_PORT,
    progressReconcileMs: parsed.PROGRESS_RECONCILE_MS,
    auth: Object.freeze(resolveUserTokenConfig(parsed, deployment).config),
    ws: Object.freeze({
      allowedOrigins: parsed.WS_ALLOWED_ORIGINS,
      allowLocalhost: parsed.NODE_ENV !== 'production',
      maxConnectionsPerUser: parsed.WS_MAX_CONNECTIONS_PER_USER,
      heartbeatMs: parsed.WS_HEARTBEAT_MS,
      authTimeoutMs: parsed.WS_AUTH_TIMEOUT_MS,
      maxUnauthenticatedPerIp: parsed.WS_MAX_UNAUTHENTICATED_PER_IP,
      maxFramesPerSecond: parsed.WS_MAX_FRAMES_PER_SECOND,
      maxPayloadBytes: 16 * 1024,
    }),
  });
}

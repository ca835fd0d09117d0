import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_MAX_IN_FLIGHT } from './budget/budget-policy.js';
import { DEFAULT_CANVAS_LIMITS, type CanvasLimits, type SyncLimits } from './canvas/walk-limits.js';
import type { WorkLimits } from './fetching/work-guard.js';
import {
  baseEnvSchema,
  deploymentEnvSchema,
  deploymentOf,
  developmentDefaultProblems,
  devTokenKeyDefault,
  envBoolean,
  envInt,
  loadConfig,
  oauthClientsEnvSchema,
  parseOAuthClients,
  parseAllowedHosts,
  parseTokenKeys,
  tokenKeysEnvSchema,
  toBaseConfig,
  type BaseConfig,
  type Env,
  type OAuthClients,
  type TokenKeysConfig,
} from '@canvas-sync/shared';

/** Units handled at once by a fetcher process, by default (the deploy checks size replicas from it). */
export const DEFAULT_FETCHER_CONCURRENCY = 8;
/** Courses of one unit fetched at once, by default (see FETCHER_COURSE_CONCURRENCY). */
export const DEFAULT_COURSE_CONCURRENCY = 10;

// The developer keys renew OAuth access tokens (the same variables as the api's).
const fetcherEnvSchema = baseEnvSchema.extend(tokenKeysEnvSchema.shape).extend(deploymentEnvSchema.shape).extend(oauthClientsEnvSchema.shape).extend({
  HEALTH_PORT: envInt(3002, 0, 65_535),
  /** Units handled at once by this process. */
  FETCHER_CONCURRENCY: envInt(DEFAULT_FETCHER_CONCURRENCY, 1, 256),
  /** Units of one user at once in this process (fair share). */
  FETCHER_UNITS_PER_USER: envInt(2, 1, 64),
  /**
   * Courses of one unit fetched at once: 10, a whole unit of the default chunk size, so that one
   * unit nearly fills the token's budget (11) while the user's second unit is still being
   * delivered; the budget, not this, caps the requests (a unit holds at most one part per course).
   */
  FETCHER_COURSE_CONCURRENCY: envInt(DEFAULT_COURSE_CONCURRENCY, 1, 16),
  /**
   * Ceiling of requests in flight per Canvas token across all replicas; below it the budget keeps
   * as many as `X-Rate-Limit-Remaining` has room for (50 up front each by Canvas's default).
   * 11: Canvas's default bucket refuses a 12th even at zero cost (12 × 50 = 600; CANVAS.md).
   */
  CANVAS_MAX_IN_FLIGHT: envInt(DEFAULT_MAX_IN_FLIGHT, 1, 64),
  CANVAS_TIMEOUT_MS: envInt(30_000, 1_000, 120_000),
  CANVAS_BREAKER_RESET_MS: envInt(5_000, 100, 300_000),
  /** Canvas hosts with a circuit breaker at once (least recently used dropped first), and how long an unused one stays. */
  CANVAS_MAX_BREAKER_HOSTS: envInt(1_000, 1, 100_000),
  CANVAS_BREAKER_IDLE_MS: envInt(15 * 60_000, 10_000, 24 * 60 * 60_000),
  CANVAS_USER_AGENT: z.string().optional().transform((v) => v ?? 'canvas-sync/0.1 (+https://github.com/canvas-sync)'),
  /** Limits on what a (possibly hostile) Canvas server sends (DESIGN.md, "Limits on what Canvas sends"). */
  CANVAS_MAX_RESPONSE_BYTES: envInt(16 * 1024 * 1024, 64 * 1024, 512 * 1024 * 1024),
  /**
   * Bytes of answers this process reads at once, all requests together; at least
   * CANVAS_MAX_RESPONSE_BYTES. 128 MiB: a pod's 384 MiB less the ~190 MiB a busy fetcher peaks at.
   */
  CANVAS_MAX_RESPONSE_BYTES_IN_FLIGHT: envInt(DEFAULT_CANVAS_LIMITS.maxResponseBytesInFlight, 64 * 1024, 4 * 1024 * 1024 * 1024),
  CANVAS_MAX_JSON_DEPTH: envInt(64, 8, 10_000),
  CANVAS_MAX_LINK_HEADER_BYTES: envInt(16 * 1024, 1024, 16 * 1024),
  CANVAS_MAX_PAGES_PER_WALK: envInt(1_000, 1, 1_000_000),
  CANVAS_MAX_ROWS_PER_WALK: envInt(100_000, 100, 100_000_000),
  CANVAS_MAX_PAGES_PER_SYNC: envInt(20_000, 1, 10_000_000),
  CANVAS_MAX_ROWS_PER_SYNC: envInt(2_000_000, 100, 1_000_000_000),
  /** One piece of work (a planning or a fetch unit) past this fails its sync with `canvas_time_limit`. */
  CANVAS_WORK_TIME_LIMIT_MS: envInt(10 * 60_000, 10_000, 6 * 60 * 60_000),
  /** How often running work checks that its sync still wants it (failed, finished, re-planned). */
  FETCHER_WANTED_CHECK_MS: envInt(5_000, 100, 60_000),
  /** Plannings of one user at once in this process (fair share of planner slots). */
  FETCHER_PLANS_PER_USER: envInt(1, 1, 64),
  /** Canvas hosts the fetcher may call (as the api's); `*` = any public host. */
  CANVAS_ALLOWED_HOSTS: z.string().optional(),
  /** Allows http:// and loopback/private/link-local addresses (the simulator, tests, the demo). Off by default. */
  CANVAS_ALLOW_PRIVATE_NETWORK: envBoolean(false),
});

/** The fetcher's configuration, parsed once at start-up. */
export interface FetcherConfig extends BaseConfig {
  healthPort: number;
  concurrency: number;
  unitsPerUser: number;
  courseConcurrency: number;
  plannerPerUser: number;
  limits: { canvas: CanvasLimits; sync: SyncLimits; work: WorkLimits };
  canvas: { maxInFlight: number; timeoutMs: number; breakerResetMs: number; maxBreakerHosts: number; breakerIdleMs: number; userAgent: string; allowedHosts: string[]; allowPrivateNetwork: boolean };
  tokenKeys: TokenKeysConfig;
  /** `CANVAS_OAUTH_CLIENTS` / `_FILE`: the developer keys that renew OAuth access tokens. */
  oauthClients: OAuthClients;
}

/** Parses the environment; throws `config_invalid` naming every bad variable. */
export function loadFetcherConfig(env: Env): FetcherConfig {
  const schema = fetcherEnvSchema.transform((v, ctx) => {
    // Both checked before giving up, so start-up lists every bad variable at once.
    const keys = parseTokenKeys(v, (path) => readFileSync(path, 'utf8'));
    if (typeof keys === 'string') ctx.addIssue({ code: 'custom', path: ['TOKEN_ENCRYPTION_KEY'], message: keys });
    const oauthClients = parseOAuthClients(v, (path) => readFileSync(path, 'utf8'));
    if (typeof oauthClients === 'string') ctx.addIssue({ code: 'custom', path: [v.CANVAS_OAUTH_CLIENTS_FILE ? 'CANVAS_OAUTH_CLIENTS_FILE' : 'CANVAS_OAUTH_CLIENTS'], message: oauthClients });
    // One answer must fit in the process's account, or every answer near the limit would be dropped as busy.
    const bytesTooSmall = v.CANVAS_MAX_RESPONSE_BYTES_IN_FLIGHT < v.CANVAS_MAX_RESPONSE_BYTES;
    if (bytesTooSmall) {
      ctx.addIssue({
        code: 'custom',
        path: ['CANVAS_MAX_RESPONSE_BYTES_IN_FLIGHT'],
        message: `must be at least CANVAS_MAX_RESPONSE_BYTES (${v.CANVAS_MAX_RESPONSE_BYTES}), or one answer near that limit could never be read; got ${v.CANVAS_MAX_RESPONSE_BYTES_IN_FLIGHT}`,
      });
    }
    if (typeof keys === 'string' || typeof oauthClients === 'string' || bytesTooSmall) return z.NEVER;
    // The shared production rule: no public dev key outside the demo.
    const problems = developmentDefaultProblems(deploymentOf(v), [devTokenKeyDefault(keys)]);
    for (const p of problems) ctx.addIssue({ code: 'custom', path: [p.variable], message: p.message });
    if (problems.length > 0) return z.NEVER;
    return { ...v, keys, oauthClients };
  });
  const parsed = loadConfig(schema, env);
  return {
    ...toBaseConfig(parsed),
    healthPort: parsed.HEALTH_PORT,
    concurrency: parsed.FETCHER_CONCURRENCY,
    unitsPerUser: parsed.FETCHER_UNITS_PER_USER,
    courseConcurrency: parsed.FETCHER_COURSE_CONCURRENCY,
    plannerPerUser: parsed.FETCHER_PLANS_PER_USER,
    limits: {
      canvas: {
        maxResponseBytes: parsed.CANVAS_MAX_RESPONSE_BYTES,
        maxResponseBytesInFlight: parsed.CANVAS_MAX_RESPONSE_BYTES_IN_FLIGHT,
        maxJsonDepth: parsed.CANVAS_MAX_JSON_DEPTH,
        maxLinkHeaderBytes: parsed.CANVAS_MAX_LINK_HEADER_BYTES,
        maxPagesPerWalk: parsed.CANVAS_MAX_PAGES_PER_WALK,
        maxRowsPerWalk: parsed.CANVAS_MAX_ROWS_PER_WALK,
      },
      sync: { pages: parsed.CANVAS_MAX_PAGES_PER_SYNC, rows: parsed.CANVAS_MAX_ROWS_PER_SYNC },
      work: { timeLimitMs: parsed.CANVAS_WORK_TIME_LIMIT_MS, wantedCheckMs: parsed.FETCHER_WANTED_CHECK_MS },
    },
    canvas: {
      maxInFlight: parsed.CANVAS_MAX_IN_FLIGHT,
      timeoutMs: parsed.CANVAS_TIMEOUT_MS,
      breakerResetMs: parsed.CANVAS_BREAKER_RESET_MS,
      maxBreakerHosts: parsed.CANVAS_MAX_BREAKER_HOSTS,
      breakerIdleMs: parsed.CANVAS_BREAKER_IDLE_MS,
      userAgent: parsed.CANVAS_USER_AGENT,
      allowedHosts: parseAllowedHosts(parsed.CANVAS_ALLOWED_HOSTS),
      allowPrivateNetwork: parsed.CANVAS_ALLOW_PRIVATE_NETWORK,
    },
    tokenKeys: parsed.keys,
    oauthClients: parsed.oauthClients,
  };
}

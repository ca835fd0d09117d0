import type { SimOAuthClient } from '../oauth.types.js';
import { isHostileKind, type SimHostileKind, type SimHostileTuning } from '../hostile.types.js';
import type { SimLatency, SimOptions, SimProfile, SimRole, SimThrottle } from '../api.types.js';
import { PROFILE_SIZES } from './profiles.js';

export interface ResolvedUserSpec {
  profile: SimProfile;
  courses: number;
  /** null = vary around the profile's mean */
  assignmentsPerCourse: number | null;
  meanAssignments: number;
  restrictedCourses: number;
  name: string | null;
  role: SimRole;
  accountAdmin: boolean;
  hostile: SimHostileKind | null;
}

export interface ResolvedOAuth {
  clients: SimOAuthClient[];
  accessTokenTtlSeconds: number;
  codeTtlSeconds: number;
  autoApprove: boolean;
  canvasRegion: string;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  seed: number;
  users: ResolvedUserSpec[];
  latency: Required<SimLatency>;
  throttle: SimThrottle;
  dropLastLink: boolean;
  lowercaseHeaders: boolean;
  shiftRows: boolean;
  logger: boolean;
  maxPerPage: number;
  contentCacheSize: number;
  epochMs: number;
  oauth: ResolvedOAuth;
  hostileTuning: Required<SimHostileTuning>;
}

/** Canvas's own defaults (app/middleware/request_throttle.rb); cost weights are ours. */
export const DEFAULT_THROTTLE: Readonly<SimThrottle> = {
  enabled: true,
  highWaterMark: 600,
  maximum: 800,
  leakPerSecond: 10,
  upfrontCost: 50,
  status: 403,
  costPerItem: 0.01,
  baseCost: 0.05,
};

export const DEFAULT_LATENCY: Readonly<Required<SimLatency>> = { baseMs: 40, perItemMs: 0.3, jitterMs: 10, endpoints: {}, jitterBy: 'request' };

/**
 * Latency as a real Canvas answers a sync's calls: most endpoints as {@link DEFAULT_LATENCY}, but a
 * course's `assignment_groups` with every assignment embedded (the one call per course a sync
 * makes) takes 0.3 s + 2 ms per row + up to 0.5 s (seeded): ~0.4–0.9 s for a student's course of
 * ~50 assignments, up to ~1.4 s for 300; the course list 150 ms + 1 ms per course.
 */
export const REALISTIC_LATENCY: Readonly<Required<SimLatency>> = {
  ...DEFAULT_LATENCY,
  endpoints: {
    '/api/v1/courses/:id/assignment_groups': { baseMs: 300, perItemMs: 2, jitterMs: 500 },
    '/api/v1/courses': { baseMs: 150, perItemMs: 1, jitterMs: 50 },
  },
  // A slow course stays slow: the bench's pipeline and floor meet the same latencies.
  jitterBy: 'path',
};

/** Sizes of hostile answers, as README "Hostile users" documents them. */
export const DEFAULT_HOSTILE_TUNING: Readonly<Required<SimHostileTuning>> = {
  gzipBombBytes: 72 * 1024 * 1024,
  hugeBodyBytes: 128 * 1024 * 1024,
  linkHeaderBytes: 16_000,
  trickleBytes: 8,
  trickleIntervalMs: 1000,
  nestingDepth: 10_000,
};

const DEFAULT_EPOCH = '2025-10-15T12:00:00Z';

export function resolveOptions(options: SimOptions = {}): ResolvedOptions {
  const specs = options.users && options.users.length > 0 ? options.users : [{ profile: options.profile ?? 'student' }];
  const users = specs.map((spec): ResolvedUserSpec => {
    const profile = spec.profile ?? 'student';
    const size = PROFILE_SIZES[profile];
    const role = spec.role ?? size.role;
    return {
      profile,
      courses: nonNegativeInt(spec.courses, size.courses, 'courses'),
      assignmentsPerCourse: spec.assignmentsPerCourse === undefined ? null : nonNegativeInt(spec.assignmentsPerCourse, 0, 'assignmentsPerCourse'),
      meanAssignments: size.meanAssignments,
      // Date restrictions lock students out of concluded courses; teachers keep access, so no stubs.
      restrictedCourses: nonNegativeInt(spec.restrictedCourses, role === 'teacher' ? 0 : size.restrictedCourses, 'restrictedCourses'),
      name: spec.name ?? null,
      role,
      accountAdmin: spec.accountAdmin ?? false,
      hostile: hostileOf(spec.hostile),
    };
  });
  const epochMs = Date.parse(options.epoch ?? DEFAULT_EPOCH);
  if (Number.isNaN(epochMs)) throw new Error(`canvas-sim: bad epoch ${String(options.epoch)}`);
  const throttle = { ...DEFAULT_THROTTLE, ...stripUndefined(options.throttle ?? {}) };
  if (throttle.status !== 403 && throttle.status !== 429) throw new Error('canvas-sim: throttle.status must be 403 or 429');
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    seed: options.seed ?? 42,
    users,
    // A caller who sets latency at all gets no jitter unless asked: tests pass zeros and mean it.
    latency: options.latency ? { jitterMs: 0, endpoints: {}, jitterBy: 'request', ...options.latency } : { ...DEFAULT_LATENCY },
    throttle,
    dropLastLink: options.dropLastLink ?? false,
    lowercaseHeaders: options.lowercaseHeaders ?? false,
    shiftRows: options.shiftRows ?? false,
    logger: options.logger ?? false,
    maxPerPage: nonNegativeInt(options.maxPerPage, 100, 'maxPerPage') || 100,
    contentCacheSize: Math.max(1, nonNegativeInt(options.contentCacheSize, 64, 'contentCacheSize')),
    epochMs,
    oauth: resolveOAuth(options),
    hostileTuning: resolveTuning(options.hostileTuning ?? {}),
  };
}

/** Validates a hostile kind from options, the CLI or the control API. */
export function hostileOf(value: unknown): SimHostileKind | null {
  if (value === undefined || value === null) return null;
  if (!isHostileKind(value)) throw new Error(`canvas-sim: unknown hostile kind ${String(value)}`);
  return value;
}

function resolveTuning(tuning: SimHostileTuning): Required<SimHostileTuning> {
  const out = { ...DEFAULT_HOSTILE_TUNING };
  for (const [key, value] of Object.entries(stripUndefined(tuning)) as Array<[keyof SimHostileTuning, number]>) {
    if (!(key in out)) throw new Error(`canvas-sim: unknown hostileTuning.${key}`);
    out[key] = positive(value, out[key], `hostileTuning.${key}`);
  }
  return out;
}

function resolveOAuth(options: SimOptions): ResolvedOAuth {
  const clients = (options.oauthClients ?? []).map((c) => {
    if (typeof c.clientId !== 'string' || c.clientId === '' || typeof c.clientSecret !== 'string' || c.clientSecret === '') {
      throw new Error('canvas-sim: every oauthClients entry needs a non-empty clientId and clientSecret');
    }
    return { clientId: c.clientId, clientSecret: c.clientSecret, name: c.name ?? c.clientId };
  });
  if (new Set(clients.map((c) => c.clientId)).size !== clients.length) throw new Error('canvas-sim: oauthClients has a duplicate clientId');
  return {
    clients,
    accessTokenTtlSeconds: positive(options.accessTokenTtlSeconds, 3600, 'accessTokenTtlSeconds'),
    codeTtlSeconds: positive(options.authorizationCodeTtlSeconds, 600, 'authorizationCodeTtlSeconds'),
    autoApprove: options.oauthAutoApprove ?? false,
    canvasRegion: options.canvasRegion ?? 'us-east-1',
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`canvas-sim: ${name} must be a positive number of seconds`);
  return value;
}

function nonNegativeInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`canvas-sim: ${name} must be a non-negative integer`);
  return value;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

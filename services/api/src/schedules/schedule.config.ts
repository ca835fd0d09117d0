import { z } from 'zod';
import { envBoolean, envInt } from '@canvas-sync/shared';

/** The contract's bounds of `intervalMinutes` (DESIGN.md): a quarter of an hour to a week. */
export const MIN_INTERVAL_MINUTES = 15;
export const MAX_INTERVAL_MINUTES = 10_080;

/**
 * The api's schedule variables (README "Schedules"), kept apart from config.ts. The last five are
 * test and operations knobs: tests use a 1-minute schedule, short ticks and a short lease.
 */
export const scheduleEnvSchema = z.object({
  SYNC_SCHEDULE_DEFAULT_MINUTES: z.string().optional(),
  SCHEDULE_MAX_ACTIVE: envInt(20, 1, 100_000),
  SCHEDULE_FULL_EVERY: envInt(7, 0, 10_000),
  SCHEDULER_ENABLED: envBoolean(true),
  SCHEDULE_TICK_MS: envInt(5_000, 100, 600_000),
  SCHEDULE_LEASE_MS: envInt(10_000, 1_000, 600_000),
  SCHEDULE_STARTS_PER_SECOND: envInt(10, 1, 10_000),
  SCHEDULE_MIN_INTERVAL_MINUTES: envInt(MIN_INTERVAL_MINUTES, 1, MIN_INTERVAL_MINUTES),
});
type ScheduleEnv = z.output<typeof scheduleEnvSchema>;

/** Schedules and the scheduler, as the routes and the scheduler use them. */
export interface ScheduleConfig {
  /** `SYNC_SCHEDULE_DEFAULT_MINUTES`: every connected user's schedule unless they set their own; undefined = none. */
  defaultMinutes: number | undefined;
  /** `SCHEDULE_MAX_ACTIVE`: scheduled syncs queued or running at once, fleet-wide. */
  maxActive: number;
  /** `SCHEDULE_FULL_EVERY`: every Nth scheduled run of a schedule is full; 0 = never (mode `full` is always). */
  fullEvery: number;
  /** `SCHEDULER_ENABLED`: whether this replica competes for the scheduler's lease. */
  enabled: boolean;
  /** How often the leader looks for due schedules. */
  tickMs: number;
  /** How long a leader's lease lasts without renewal (a dead leader is replaced within about this). */
  leaseMs: number;
  /** Scheduled syncs started per second at most (a due wave is spread out, with jitter). */
  startsPerSecond: number;
  /** The smallest `intervalMinutes` accepted (15 by contract; tests lower it). */
  minIntervalMinutes: number;
}

/** `SYNC_SCHEDULE_DEFAULT_MINUTES`'s problem, if any (checked with the minimum in force). */
export function scheduleConfigProblems(env: ScheduleEnv): Array<{ path: string; message: string }> {
  const raw = env.SYNC_SCHEDULE_DEFAULT_MINUTES?.trim();
  if (raw === undefined || raw === '') return [];
  const n = Number(raw);
  const min = env.SCHEDULE_MIN_INTERVAL_MINUTES;
  if (!Number.isInteger(n) || n < min || n > MAX_INTERVAL_MINUTES) {
    return [{ path: 'SYNC_SCHEDULE_DEFAULT_MINUTES', message: `must be a whole number of minutes from ${min} to ${MAX_INTERVAL_MINUTES}, or unset for no default, got "${raw}"` }];
  }
  return [];
}

/** The parsed variables as a {@link ScheduleConfig}. */
export function toScheduleConfig(env: ScheduleEnv): ScheduleConfig {
  const raw = env.SYNC_SCHEDULE_DEFAULT_MINUTES?.trim();
  return {
    defaultMinutes: raw === undefined || raw === '' ? undefined : Number(raw),
    maxActive: env.SCHEDULE_MAX_ACTIVE,
    fullEvery: env.SCHEDULE_FULL_EVERY,
    enabled: env.SCHEDULER_ENABLED,
    tickMs: env.SCHEDULE_TICK_MS,
    leaseMs: env.SCHEDULE_LEASE_MS,
    startsPerSecond: env.SCHEDULE_STARTS_PER_SECOND,
    minIntervalMinutes: env.SCHEDULE_MIN_INTERVAL_MINUTES,
  };
}

/** Defaults for apps built without config (tests of other features): no default schedule. */
export const DEFAULT_SCHEDULE_CONFIG: ScheduleConfig = toScheduleConfig(scheduleEnvSchema.parse({}));

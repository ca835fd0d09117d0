/**
 * The sizing model of docs/performance.md ("Sizing"): from the CPU seconds a benchmark run measured
 * per component, how much CPU a wave of users syncing at once needs, and how many cores finish it
 * within a given window; and the steady state of schedules, the cores that users on an interval keep
 * busy all the time ({@link sizeSteadyState}). Pure arithmetic on measured figures; nothing here is measured or assumed
 * beyond the inputs.
 */

export const COMPONENTS = ['fetcher', 'writer', 'postgres'] as const;
export type Component = (typeof COMPONENTS)[number];
export type PerComponent = Record<Component, number>;

/** One measured sync: its rows and the CPU seconds each component spent on it. */
export interface MeasuredSync {
  profile: string;
  rows: number;
  cpuSeconds: PerComponent;
}

export interface WaveSizing {
  profile: string;
  users: number;
  rows: number;
  /** CPU seconds of the whole wave, per component. */
  cpuSeconds: PerComponent;
  /** Cores per component to finish the wave within each window (minutes → cores). */
  coresFor: Array<{ minutes: number; cores: PerComponent }>;
}

const perComponent = (f: (c: Component) => number): PerComponent => ({ fetcher: f('fetcher'), writer: f('writer'), postgres: f('postgres') });

/** CPU seconds per 1,000 rows, per component. */
export function cpuPerThousandRows(sync: MeasuredSync): PerComponent {
  if (sync.rows <= 0) throw new Error(`${sync.profile}: no rows measured`);
  return perComponent((c) => (sync.cpuSeconds[c] / sync.rows) * 1_000);
}

/**
 * `users` accounts like `sync` syncing at once: the wave's CPU is the measured sync's times the
 * users (CPU per sync does not fall with concurrency: each user's rows are written once), and the
 * cores that finish it within `minutes` are that CPU spread over the window.
 */
export function sizeWave(sync: MeasuredSync, users: number, windowsMinutes: number[]): WaveSizing {
  const cpuSeconds = perComponent((c) => sync.cpuSeconds[c] * users);
  return {
    profile: sync.profile,
    users,
    rows: sync.rows * users,
    cpuSeconds,
    coresFor: windowsMinutes.map((minutes) => ({ minutes, cores: perComponent((c) => cpuSeconds[c] / (minutes * 60)) })),
  };
}

/**
 * A scheduled user's runs, measured (resync benchmark): the CPU seconds of an incremental run and of
 * a full run on an account already synced, and the Canvas requests of one run (the fetcher fetches
 * everything in both modes).
 */
export interface MeasuredResync {
  profile: string;
  incremental: PerComponent;
  full: PerComponent;
  requests?: number;
}

export interface SteadyStateSizing {
  profile: string;
  users: number;
  intervalMinutes: number;
  /** Scheduled runs started per second across all users. */
  runsPerSecond: number;
  /** CPU seconds of the average run: incremental, with one in `fullEvery` full. */
  cpuPerRun: PerComponent;
  /** Cores busy all the time, per component: runs per second × CPU per run. */
  cores: PerComponent;
  /** Canvas requests per second across all users (all tokens together), when the run's requests are known. */
  requestsPerSecond?: number;
}

/**
 * The share of scheduled runs that are full: every `fullEvery`-th (README "Schedules",
 * `SCHEDULE_FULL_EVERY`); 0 = never.
 */
export function fullShare(fullEvery: number): number {
  if (!Number.isInteger(fullEvery) || fullEvery < 0) throw new Error(`SCHEDULE_FULL_EVERY must be a whole number ≥ 0, got ${fullEvery}`);
  return fullEvery === 0 ? 0 : 1 / fullEvery;
}

/**
 * `users` accounts like `resync` on an `intervalMinutes` schedule, in the steady state: each user
 * starts a run once per interval, so runs/s = users / (interval × 60), and the continuous load is
 * runs/s × the mean CPU of a run. The schedule's jitter (up to a tenth of the interval, at most 10
 * minutes, added to each interval) stretches the real interval by up to 5 % on average: the figure
 * is an upper bound by that much. The first syncs of new users are a wave on top ({@link sizeWave}).
 */
export function sizeSteadyState(resync: MeasuredResync, users: number, intervalMinutes: number, fullEvery: number): SteadyStateSizing {
  if (!(intervalMinutes > 0)) throw new Error(`${resync.profile}: an interval must be positive, got ${intervalMinutes}`);
  const share = fullShare(fullEvery);
  const runsPerSecond = users / (intervalMinutes * 60);
  const cpuPerRun = perComponent((c) => (1 - share) * resync.incremental[c] + share * resync.full[c]);
  return {
    profile: resync.profile,
    users,
    intervalMinutes,
    runsPerSecond,
    cpuPerRun,
    cores: perComponent((c) => runsPerSecond * cpuPerRun[c]),
    ...(resync.requests === undefined ? {} : { requestsPerSecond: runsPerSecond * resync.requests }),
  };
}

/**
 * The sizing model of docs/performance.md ("Sizing"): from the CPU seconds a benchmark run measured
 * per component, how much CPU a wave of users syncing at once needs, and how many cores finish it
 * within a given window. Pure arithmetic on measured figures; nothing here is measured or assumed
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

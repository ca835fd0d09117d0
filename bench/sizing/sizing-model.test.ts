import { describe, expect, it } from 'vitest';
import { cpuPerThousandRows, fullShare, sizeSteadyState, sizeWave, type PerComponent } from './sizing-model.js';

/** Rounded to 1e-9: the figures are floating-point quotients. */
const round = (p: PerComponent) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Math.round(v * 1e9) / 1e9]));

const teacher = { profile: 'teacher', rows: 3_000, cpuSeconds: { fetcher: 0.45, writer: 0.9, postgres: 0.6 } };

describe('sizing model', () => {
  it('gives CPU per 1,000 rows per component', () => {
    expect(round(cpuPerThousandRows(teacher))).toEqual({ fetcher: 0.15, writer: 0.3, postgres: 0.2 });
  });

  it('spreads a wave of users over the window: 1,000 teachers in 5 minutes', () => {
    const wave = sizeWave(teacher, 1_000, [5]);
    expect(wave.rows).toBe(3_000_000);
    expect(round(wave.cpuSeconds)).toEqual({ fetcher: 450, writer: 900, postgres: 600 });
    expect(wave.coresFor.map((w) => ({ minutes: w.minutes, cores: round(w.cores) }))).toEqual([{ minutes: 5, cores: { fetcher: 1.5, writer: 3, postgres: 2 } }]);
  });

  it('refuses a sync without rows rather than dividing by zero', () => {
    expect(() => cpuPerThousandRows({ ...teacher, rows: 0 })).toThrow(/no rows/);
  });
});

describe('steady state of schedules', () => {
  const resync = { profile: 'teacher', incremental: { fetcher: 0.24, writer: 0.3, postgres: 0.12 }, full: { fetcher: 0.24, writer: 0.3, postgres: 0.54 }, requests: 26 };

  it('mixes one full run in every SCHEDULE_FULL_EVERY with the incremental ones', () => {
    const s = sizeSteadyState(resync, 1_000, 60, 7);
    expect(round(s.cpuPerRun)).toEqual({ fetcher: 0.24, writer: 0.3, postgres: 0.18 });
  });

  it('10,000 users every 60 minutes start 2.78 runs a second: cores = runs per second × CPU per run', () => {
    const s = sizeSteadyState(resync, 10_000, 60, 7);
    expect(s.runsPerSecond).toBeCloseTo(10_000 / 3_600, 12);
    expect(round(s.cores)).toEqual(round({ fetcher: (0.24 * 10_000) / 3_600, writer: (0.3 * 10_000) / 3_600, postgres: (0.18 * 10_000) / 3_600 }));
    expect(s.requestsPerSecond).toBeCloseTo((26 * 10_000) / 3_600, 9);
  });

  it('a four times longer interval needs a quarter of the cores', () => {
    const hourly = sizeSteadyState(resync, 1_000, 60, 7);
    const fourHourly = sizeSteadyState(resync, 1_000, 240, 7);
    expect(round(fourHourly.cores)).toEqual(round({ fetcher: hourly.cores.fetcher / 4, writer: hourly.cores.writer / 4, postgres: hourly.cores.postgres / 4 }));
  });

  it('SCHEDULE_FULL_EVERY=0 never runs full, 1 always does', () => {
    expect(round(sizeSteadyState(resync, 1, 1, 0).cpuPerRun)).toEqual(round(resync.incremental));
    expect(round(sizeSteadyState(resync, 1, 1, 1).cpuPerRun)).toEqual(round(resync.full));
  });

  it('leaves out requests per second when the run’s requests were not measured', () => {
    const { requests: _unused, ...withoutRequests } = resync;
    expect(sizeSteadyState(withoutRequests, 1_000, 60, 7).requestsPerSecond).toBeUndefined();
  });

  it('refuses a non-positive interval and a negative or fractional SCHEDULE_FULL_EVERY', () => {
    expect(() => sizeSteadyState(resync, 1_000, 0, 7)).toThrow(/interval/);
    expect(() => fullShare(-1)).toThrow(/SCHEDULE_FULL_EVERY/);
    expect(() => fullShare(2.5)).toThrow(/SCHEDULE_FULL_EVERY/);
  });
});

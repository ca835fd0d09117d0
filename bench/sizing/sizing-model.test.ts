import { describe, expect, it } from 'vitest';
import { cpuPerThousandRows, sizeWave, type PerComponent } from './sizing-model.js';

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

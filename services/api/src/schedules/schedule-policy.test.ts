import { describe, expect, it } from 'vitest';
import { dueDelayMs, isFullRun, MAX_JITTER_MS, startDelayMs } from './schedule-policy.js';

describe('schedule policy', () => {
  it('makes every Nth scheduled run full, every run with mode full, none with N = 0', () => {
    const runs = Array.from({ length: 21 }, (_, i) => i + 1);
    expect(runs.filter((n) => isFullRun(n, 'incremental', 7))).toEqual([7, 14, 21]);
    expect(runs.filter((n) => isFullRun(n, 'incremental', 1))).toEqual(runs);
    expect(runs.filter((n) => isFullRun(n, 'incremental', 0))).toEqual([]);
    expect(runs.every((n) => isFullRun(n, 'full', 0))).toBe(true);
  });

  it('is due one interval later plus at most a tenth of it, capped at 10 minutes of jitter', () => {
    expect(dueDelayMs(60, () => 0)).toBe(3_600_000);
    expect(dueDelayMs(60, () => 0.999_999)).toBe(3_600_000 + 359_999);
    expect(dueDelayMs(15, () => 0.5)).toBe(900_000 + 45_000);
    // A week's interval: the jitter stops at 10 minutes.
    expect(dueDelayMs(10_080, () => 0.999_999)).toBe(10_080 * 60_000 + MAX_JITTER_MS - 1);
  });

  it('announces a claimed sync at a uniformly random moment of its second', () => {
    expect(startDelayMs(() => 0)).toBe(0);
    expect(startDelayMs(() => 0.5)).toBe(500);
    expect(startDelayMs(() => 0.999_9)).toBe(999);
  });
});

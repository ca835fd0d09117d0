/**
 * The scheduler's arithmetic, free of I/O so it is unit-tested with fake timers
 * (schedule-policy.test.ts): which run is full, when the next one is due, how starts are spaced.
 */

/** A random number in [0, 1); injectable so tests are deterministic. */
export type Random = () => number;

/** Jitter added to the next due time: a tenth of the interval, at most this much. */
export const MAX_JITTER_MS = 10 * 60_000;

/**
 * Whether the `runNumber`-th scheduled run (1-based) is a full sync. Mode `full` always is; otherwise
 * every `fullEvery`-th run is (0 = never), so deletions in Canvas are caught now and then
 * (an incremental sync deletes nothing: README "How a sync works").
 */
export function isFullRun(runNumber: number, mode: 'incremental' | 'full', fullEvery: number): boolean {
  if (mode === 'full') return true;
  return fullEvery > 0 && runNumber % fullEvery === 0;
}

/**
 * How long after its claim a schedule is due again: one interval plus up to a tenth of it (at most
 * {@link MAX_JITTER_MS}). Counted from the claim, not from the previous due time, so a backlog (an
 * outage, a capped wave) does not come back as a burst of catch-up runs; the jitter makes a wave
 * that started together drift apart over the following rounds.
 */
export function dueDelayMs(intervalMinutes: number, random: Random): number {
  const intervalMs = intervalMinutes * 60_000;
  return intervalMs + Math.floor(random() * Math.min(intervalMs / 10, MAX_JITTER_MS));
}

/**
 * When, within its second, a claimed sync is announced: uniformly at random, so the starts of a wave
 * (`SCHEDULE_STARTS_PER_SECOND` a second at most) are spread out rather than all in the same instant.
 */
export function startDelayMs(random: Random): number {
  return Math.floor(random() * 1000);
}

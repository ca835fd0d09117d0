/**
 * How many requests one Canvas token may have in flight, steered by Canvas's own headers
 * (CANVAS.md, Throttling). Canvas advises 1–3 in flight per token and slowing down as
 * `X-Rate-Limit-Remaining` falls; the bucket size is a per-install setting, so we never assume
 * 600: we compare Remaining with the highest value this token has shown.
 */
export interface BudgetState {
  /** Lease id → expiry (ms). Expired leases belong to crashed holders and are dropped. */
  leases: Record<string, number>;
  /** No new request before this time (ms): set after a throttle. */
  pausedUntil: number;
  /** Last `X-Rate-Limit-Remaining`, or null before the first answer. */
  remaining: number | null;
  /** Highest Remaining seen: our estimate of the bucket's high-water mark. */
  maxRemaining: number;
  /** Throttles in a row, for the exponential back-off. */
  throttles: number;
}

export interface BudgetLimits {
  maxInFlight: number;
  /** Back-off after a throttle: base × 2^(n−1), capped, with jitter. */
  throttleBaseMs: number;
  throttleMaxMs: number;
  leaseMs: number;
}

export const DEFAULT_LIMITS: BudgetLimits = { maxInFlight: 3, throttleBaseMs: 1_000, throttleMaxMs: 30_000, leaseMs: 90_000 };

/** Time a lease outlives the longest request (the KV round trip of its release). */
const LEASE_MARGIN_MS = 5_000;

/**
 * The limits for a fetcher whose Canvas requests time out after `requestTimeoutMs`. A lease only
 * needs to outlive one request; a longer one is what a crashed fetcher leaves behind. With the
 * old fixed 90 s, a fetcher SIGKILLed mid-request held its token's whole allowance for 90 s and the
 * user's sync stood still that long (found by the chaos suite, docs/reliability.md).
 */
export function budgetLimits(maxInFlight: number, requestTimeoutMs: number): BudgetLimits {
  return { ...DEFAULT_LIMITS, maxInFlight, leaseMs: requestTimeoutMs + LEASE_MARGIN_MS };
}

export function emptyState(): BudgetState {
  return { leases: {}, pausedUntil: 0, remaining: null, maxRemaining: 0, throttles: 0 };
}

/** Drops expired leases (in place) and returns how many are live. */
export function liveLeases(state: BudgetState, now: number): number {
  for (const [id, expires] of Object.entries(state.leases)) if (expires <= now) delete state.leases[id];
  return Object.keys(state.leases).length;
}

/** The in-flight allowance now: 0 while paused, fewer as Remaining falls, the maximum when healthy. */
export function allowedInFlight(state: BudgetState, limits: BudgetLimits, now: number): number {
  if (now < state.pausedUntil) return 0;
  if (state.remaining === null || state.maxRemaining <= 0) return limits.maxInFlight;
  const ratio = state.remaining / state.maxRemaining;
  if (ratio < 0.25) return 1;
  if (ratio < 0.5) return Math.min(2, limits.maxInFlight);
  return limits.maxInFlight;
}

/** What one answer tells us. */
export interface Observation {
  throttled: boolean;
  remaining?: number | undefined;
}

/** Folds an answer into the state (in place). `random` is injectable for tests. */
export function observe(state: BudgetState, obs: Observation, limits: BudgetLimits, now: number, random: () => number = Math.random): void {
  if (obs.remaining !== undefined && Number.isFinite(obs.remaining)) {
    state.remaining = obs.remaining;
    state.maxRemaining = Math.max(state.maxRemaining, obs.remaining);
  }
  if (obs.throttled) {
    state.throttles += 1;
    const exp = Math.min(limits.throttleMaxMs, limits.throttleBaseMs * 2 ** (state.throttles - 1));
    state.pausedUntil = Math.max(state.pausedUntil, now + exp / 2 + random() * (exp / 2));
  } else {
    state.throttles = 0;
  }
}

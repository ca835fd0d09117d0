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
  /** When `remaining` was observed (ms). */
  observedAt?: number;
  /** Estimated leak rate of the token's bucket (units/s), learned from answers; absent until then. */
  leakPerSec?: number;
  /** `X-Request-Cost` of the last answer: what the next request will likely add. */
  lastCost?: number;
  /**
   * The highest estimated Remaining at which a request was refused: the token's admission line.
   * Canvas judges a request after adding its up-front charge, so requests are refused well above
   * Remaining 0 (at 50 with the default settings); learned from refusals, never assumed.
   */
  refusedAt?: number;
  /** Until when `refusedAt` holds (ms): refusals caused by another client of the token must not narrow it forever. */
  refusedAtUntil?: number;
}

export interface BudgetLimits {
  maxInFlight: number;
  /** Back-off after a throttle: base × 2^(n−1), capped, with jitter. */
  throttleBaseMs: number;
  throttleMaxMs: number;
  leaseMs: number;
}

export const DEFAULT_LIMITS: BudgetLimits = { maxInFlight: 3, throttleBaseMs: 1_000, throttleMaxMs: 30_000, leaseMs: 90_000 };

/** How long a learned admission line holds after the last refusal that taught it. */
const ADMISSION_LINE_MS = 10 * 60_000;

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

/**
 * The in-flight allowance now: 0 while paused or while the bucket is still draining, fewer as
 * Remaining falls, the maximum when healthy.
 */
export function allowedInFlight(state: BudgetState, limits: BudgetLimits, now: number): number {
  if (now < state.pausedUntil || drainWaitMs(state, now) > 0) return 0;
  if (state.remaining === null || state.maxRemaining <= 0) return limits.maxInFlight;
  const ratio = state.remaining / state.maxRemaining;
  if (ratio < 0.25) return 1;
  if (ratio < 0.5) return Math.min(2, limits.maxInFlight);
  return limits.maxInFlight;
}

/** Remaining now, extrapolated from the last answer at the learned leak rate; undefined if unknown. */
export function estimatedRemaining(state: BudgetState, at: number): number | undefined {
  if (state.remaining === null || state.observedAt === undefined || !state.leakPerSec) return undefined;
  return state.remaining + (state.leakPerSec * Math.max(0, at - state.observedAt)) / 1000;
}

/**
 * How long to wait before the next request so that it is admitted (ms; 0 = go). At the bottom of
 * the bucket the next request goes once the estimated Remaining covers the admission line plus the
 * cost of the last request, so the bucket is drained at the pace it leaks instead of being probed
 * into refusals. Until a leak rate has been learned this never holds anything back; a refusal
 * despite it raises the admission line, so the pacing corrects itself.
 */
export function drainWaitMs(state: BudgetState, now: number): number {
  const estimate = estimatedRemaining(state, now);
  if (estimate === undefined || !state.leakPerSec) return 0;
  const line = state.refusedAt !== undefined && now < (state.refusedAtUntil ?? 0) ? state.refusedAt : 0;
  const need = line + Math.max(state.lastCost ?? 0, 0.5);
  return estimate >= need ? 0 : Math.ceil(((need - estimate) / state.leakPerSec) * 1000);
}

/** What one answer tells us. */
export interface Observation {
  throttled: boolean;
  remaining?: number | undefined;
  /** `X-Request-Cost` of the answer. */
  cost?: number | undefined;
  /** When the request was sent (ms): with `cost`, it lets the leak rate be learned. */
  sentAt?: number | undefined;
  /** Whether another request of the token was in flight while this one was. */
  overlapped?: boolean | undefined;
}

/** Folds an answer into the state (in place). `random` is injectable for tests. */
export function observe(state: BudgetState, obs: Observation, limits: BudgetLimits, now: number, random: () => number = Math.random): void {
  const estimateAtSend = obs.sentAt === undefined ? undefined : estimatedRemaining(state, obs.sentAt);
  if (obs.throttled && estimateAtSend !== undefined) {
    // A refusal's "Remaining ≈ 0" is not a measurement (CANVAS.md): keep extrapolating from the
    // last real answer, and learn where the admission line is.
    const held = state.refusedAt !== undefined && now < (state.refusedAtUntil ?? 0);
    state.refusedAt = held ? Math.max(state.refusedAt!, estimateAtSend) : estimateAtSend;
    state.refusedAtUntil = now + ADMISSION_LINE_MS;
  } else if (obs.remaining !== undefined && Number.isFinite(obs.remaining)) {
    learnLeak(state, obs, now);
    state.remaining = obs.remaining;
    state.maxRemaining = Math.max(state.maxRemaining, obs.remaining);
    state.observedAt = now;
  }
  if (obs.cost !== undefined && Number.isFinite(obs.cost) && obs.cost >= 0) state.lastCost = obs.cost;
  if (obs.throttled) {
    state.throttles += 1;
    const exp = Math.min(limits.throttleMaxMs, limits.throttleBaseMs * 2 ** (state.throttles - 1));
    state.pausedUntil = Math.max(state.pausedUntil, now + exp / 2 + random() * (exp / 2));
  } else {
    state.throttles = 0;
  }
}

/**
 * One sample of the leak rate, when the answer allows an exact one: the request was the only one
 * of the token in flight and was sent after the previous answer, so between the two answers the
 * bucket changed by exactly its cost minus the leak: leak = (R₂ − R₁ + cost) / Δt. Only while the
 * bucket is well above empty (it cannot leak below 0). Smoothed, as latencies jitter.
 */
function learnLeak(state: BudgetState, obs: Observation, now: number): void {
  const previous = state.remaining;
  if (obs.throttled || obs.overlapped || previous === null || state.observedAt === undefined) return;
  if (obs.cost === undefined || obs.sentAt === undefined || obs.sentAt < state.observedAt || obs.remaining === undefined) return;
  if (previous > state.maxRemaining / 2) return;
  const seconds = (now - state.observedAt) / 1000;
  if (seconds < 0.02) return;
  const sample = (obs.remaining - previous + obs.cost) / seconds;
  if (!(sample > 0) || !Number.isFinite(sample)) return;
  state.leakPerSec = state.leakPerSec ? 0.7 * state.leakPerSec + 0.3 * sample : sample;
}

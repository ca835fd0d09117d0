/**
 * How many requests one Canvas token may have in flight, steered by Canvas's own headers
 * (CANVAS.md, Throttling). Canvas's leaky bucket charges every request an up-front amount while it
 * runs (50 by default) and refuses a request that, with that charge added, finds the bucket at its
 * high-water mark (600 by default): so the bucket's free room, as `X-Rate-Limit-Remaining` reports
 * it, bounds how many requests can be out at once (600 / 50 → at most 11, fewer as the room
 * falls). The policy keeps as many in flight as that room allows, less one up-front charge kept
 * free for a request that reaches Canvas late, up to `maxInFlight`; at the bottom of the bucket it
 * paces requests by the leak rate it learned. Every number but the
 * up-front charge comes from the headers; that one starts at Canvas's default and is raised by
 * refusals that show it is larger. Never a hard-coded 600.
 */
export interface BudgetState {
  /** Lease id → expiry (ms). Expired leases belong to crashed holders and are dropped. */
  leases: Record<string, number>;
  /** No new request before this time (ms): set after a throttle. */
  pausedUntil: number;
  /**
   * The bucket's free room at `observedAt`: `X-Rate-Limit-Remaining` plus the up-front charges of
   * the token's other requests in flight when it was measured (their charges are returned when
   * they end), i.e. Remaining as it would be with nothing in flight. Null before the first answer.
   */
  remaining: number | null;
  /** Highest `X-Rate-Limit-Remaining` Canvas reported: our estimate of the bucket's high-water mark, and a cap on the room. */
  maxRemaining: number;
  /** Throttles in a row, for the exponential back-off. */
  throttles: number;
  /**
   * How many of the token's requests in flight `remaining` counts as already charged in Canvas's
   * Remaining (the others of the answer it came from): any of them may not have reached Canvas yet.
   */
  counted?: number;
  /** When `remaining` was observed (ms). */
  observedAt?: number;
  /** Estimated leak rate of the token's bucket (units/s), learned from answers; absent until then. */
  leakPerSec?: number;
  /** `X-Request-Cost` of the last answer: what a request in flight will likely add. */
  lastCost?: number;
  /**
   * Up-front charge per request in flight, when refusals showed it above the assumed one: the free
   * room at which `n` requests in flight were refused, divided by `n`.
   */
  upfront?: number;
  /** Until when `upfront` holds (ms): refusals caused by another client of the token must not narrow it forever. */
  upfrontUntil?: number;
}

export interface BudgetLimits {
  /** Ceiling of requests in flight per token (`CANVAS_MAX_IN_FLIGHT`), whatever the bucket allows. */
  maxInFlight: number;
  /** Before Canvas has answered once for the token: Canvas advises 1–3 (CANVAS.md). */
  startInFlight: number;
  /** Up-front charge per request in flight assumed until refusals show more (Canvas's default 50). */
  upfrontCost: number;
  /** Up-front charges kept free at the bottom of the bucket, for a request that reaches Canvas late (see `marginOf`). */
  marginCharges: number;
  /** Back-off after a throttle: base × 2^(n−1), capped, with jitter. */
  throttleBaseMs: number;
  throttleMaxMs: number;
  leaseMs: number;
}

/**
 * 11 in flight: Canvas's defaults (600 high-water mark, 50 up front per request in flight) refuse
 * the 12th request even at zero cost (12 × 50 = 600; CANVAS.md). The room in the bucket lowers it.
 */
export const DEFAULT_MAX_IN_FLIGHT = 11;

export const DEFAULT_LIMITS: BudgetLimits = { maxInFlight: DEFAULT_MAX_IN_FLIGHT, startInFlight: 3, upfrontCost: 50, marginCharges: 1, throttleBaseMs: 1_000, throttleMaxMs: 30_000, leaseMs: 90_000 };

/** How long a learned up-front charge holds after the last refusal that taught it. */
const UPFRONT_MS = 10 * 60_000;

/** Time a lease outlives the longest request (the KV round trip of its release). */
const LEASE_MARGIN_MS = 5_000;

/** The least a request is assumed to cost while Canvas has not said (X-Request-Cost). */
const MIN_COST = 0.5;

/**
 * The limits for a fetcher whose Canvas requests time out after `requestTimeoutMs`. A lease only
 * needs to outlive one request; a longer one is what a crashed fetcher leaves behind. With the
 * old fixed 90 s, a fetcher SIGKILLed mid-request held its token's whole allowance for 90 s and the
 * user's sync stood still that long (found by the chaos suite, docs/reliability.md).
 */
export function budgetLimits(maxInFlight: number, requestTimeoutMs: number): BudgetLimits {
  return { ...DEFAULT_LIMITS, maxInFlight, startInFlight: Math.min(DEFAULT_LIMITS.startInFlight, maxInFlight), leaseMs: requestTimeoutMs + LEASE_MARGIN_MS };
}

export function emptyState(): BudgetState {
  return { leases: {}, pausedUntil: 0, remaining: null, maxRemaining: 0, throttles: 0 };
}

/** Drops expired leases (in place) and returns how many are live. */
export function liveLeases(state: BudgetState, now: number): number {
  for (const [id, expires] of Object.entries(state.leases)) if (expires <= now) delete state.leases[id];
  return Object.keys(state.leases).length;
}

/** The up-front charge per request in flight we reckon with now. */
export function upfrontOf(state: BudgetState, limits: BudgetLimits, now: number): number {
  return state.upfront !== undefined && now < (state.upfrontUntil ?? 0) ? Math.max(state.upfront, limits.upfrontCost) : limits.upfrontCost;
}

/** Free room now, extrapolated from the last answer at the learned leak rate (never above the highest seen). */
export function estimatedRemaining(state: BudgetState, at: number): number | undefined {
  if (state.remaining === null) return undefined;
  if (state.observedAt === undefined || !state.leakPerSec) return state.remaining;
  const leaked = state.remaining + (state.leakPerSec * Math.max(0, at - state.observedAt)) / 1000;
  return Math.max(state.remaining, Math.min(leaked, state.maxRemaining));
}

/** What each request in flight takes from the room: its up-front charge plus what it will likely cost. */
function perRequest(state: BudgetState, limits: BudgetLimits, now: number): number {
  return upfrontOf(state, limits, now) + Math.max(state.lastCost ?? 0, MIN_COST);
}

/**
 * Room kept free at the bottom of the bucket: one up-front charge (`marginCharges`). A leased
 * request can reach Canvas seconds after its lease (a busy Canvas, a starved simulator, a slow
 * network); an answer read meanwhile counts it among the others in flight, as if its up-front
 * charge were already in Remaining, which it is not yet: the room is overestimated by that charge
 * and one request too many goes, to be refused (7 of 513 of a heavy sync, docs/performance.md).
 * The same when an answer is released late (a large body read and parsed on a busy CPU): Canvas
 * credited its charge back when it answered, the others read meanwhile still count it as held.
 * None is needed when that answer counted no other request (its room is exact; requests leased
 * since are reserved in full), and less near the top, where the room is capped at the highest
 * Remaining seen: a fresh bucket keeps its 11 in flight. The price, where it applies: a bucket-bound
 * sync drains the bucket one up-front charge less deep, 50 / leak seconds longer (~5 s at 10/s).
 */
function marginOf(state: BudgetState, limits: BudgetLimits, now: number, room: number): number {
  const charges = Math.min(limits.marginCharges, state.counted ?? limits.marginCharges);
  return Math.max(0, Math.min(charges * upfrontOf(state, limits, now), state.maxRemaining - room));
}

/** How many requests in flight the room holds, each with its up-front charge and cost, above the margin. */
function fitting(state: BudgetState, limits: BudgetLimits, now: number, room: number): number {
  return Math.floor((room - marginOf(state, limits, now, room)) / perRequest(state, limits, now));
}

/**
 * The in-flight allowance now: 0 while paused after a throttle; `startInFlight` before Canvas has
 * answered; then as many requests as the room in the bucket holds with their up-front charges and
 * costs above a margin (one up-front charge, see `marginOf`), up to `maxInFlight`. With no room, 0
 * (the next request waits for the leak, see {@link waitMs}) — or 1 while no leak rate is known, so
 * that an answer can teach one.
 */
export function allowedInFlight(state: BudgetState, limits: BudgetLimits, now: number): number {
  if (now < state.pausedUntil) return 0;
  const room = estimatedRemaining(state, now);
  if (room === undefined) return limits.startInFlight;
  const fits = fitting(state, limits, now, room);
  // A bucket as empty as this token has ever seen it always takes one request: a learned up-front
  // charge inflated by another client's burst must not stop the token altogether.
  const least = !state.leakPerSec || room >= state.maxRemaining ? 1 : 0;
  return Math.max(least, Math.min(limits.maxInFlight, fits));
}

/**
 * How long until one more request (beyond `live` in flight) may go (ms; 0 = now): the pause after
 * a throttle, or at the bottom of the bucket the time the learned leak needs to make room for it,
 * so the bucket is drained at the pace it leaks instead of being probed into refusals. Unknown
 * (no leak rate): a short poll, as answers of the requests in flight change the state.
 */
export function waitMs(state: BudgetState, limits: BudgetLimits, now: number, live: number): number {
  if (now < state.pausedUntil) return state.pausedUntil - now;
  if (live < allowedInFlight(state, limits, now)) return 0;
  const room = estimatedRemaining(state, now);
  if (room === undefined || !state.leakPerSec || live >= limits.maxInFlight) return 100;
  // Room for one more above the margin (the whole margin at the bottom; at the top, the top).
  const need = Math.min((live + 1) * perRequest(state, limits, now) + marginOf(state, limits, now, 0), state.maxRemaining);
  return need > room ? Math.ceil(((need - room) / state.leakPerSec) * 1000) : 100;
}

/** What one answer tells us. */
export interface Observation {
  throttled: boolean;
  remaining?: number | undefined;
  /** `X-Request-Cost` of the answer. */
  cost?: number | undefined;
  /** When the request was sent (ms): with `cost`, it lets the leak rate be learned. */
  sentAt?: number | undefined;
  /** The token's other requests in flight when the answer came (their up-front charges are in its Remaining). */
  others?: number | undefined;
}

/** Folds an answer into the state (in place). `random` is injectable for tests. */
export function observe(state: BudgetState, obs: Observation, limits: BudgetLimits, now: number, random: () => number = Math.random): void {
  const others = obs.others ?? 0;
  if (obs.throttled) {
    // A refusal's "Remaining ≈ 0" is not a measurement (CANVAS.md): keep extrapolating from the
    // last real answer, and learn from it how much room a request in flight really takes.
    const roomAtSend = obs.sentAt === undefined ? undefined : estimatedRemaining(state, obs.sentAt);
    if (roomAtSend !== undefined && roomAtSend > 0) {
      const held = state.upfront !== undefined && now < (state.upfrontUntil ?? 0);
      const shown = roomAtSend / (others + 1);
      if (shown > limits.upfrontCost || held) state.upfront = held ? Math.max(state.upfront!, shown) : shown;
      if (state.upfront !== undefined) state.upfrontUntil = now + UPFRONT_MS;
    }
  } else if (obs.remaining !== undefined && Number.isFinite(obs.remaining)) {
    // Never more room than the highest Remaining Canvas itself reported (the bucket's high-water
    // mark, as far as we know it): a lease counted among the others may not have reached Canvas
    // yet (a slow or busy server), and its charge is then not in this Remaining.
    state.maxRemaining = Math.max(state.maxRemaining, obs.remaining);
    const room = Math.min(obs.remaining + others * upfrontOf(state, limits, now), state.maxRemaining);
    learnLeak(state, obs, room, now);
    state.remaining = room;
    state.counted = others;
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
 * One sample of the leak rate, when the answer allows an exact one: no other request of the token
 * was in flight and this one was sent after the previous answer, so between the two answers the
 * room changed by exactly the leak minus its cost: leak = (R₂ − R₁ + cost) / Δt. Only while the
 * bucket is well above empty (it cannot leak below 0). Smoothed, as latencies jitter.
 */
function learnLeak(state: BudgetState, obs: Observation, room: number, now: number): void {
  const previous = state.remaining;
  if ((obs.others ?? 0) > 0 || previous === null || state.observedAt === undefined) return;
  if (obs.cost === undefined || obs.sentAt === undefined || obs.sentAt < state.observedAt) return;
  if (previous > state.maxRemaining / 2) return;
  const seconds = (now - state.observedAt) / 1000;
  if (seconds < 0.02) return;
  const sample = (room - previous + obs.cost) / seconds;
  if (!(sample > 0) || !Number.isFinite(sample)) return;
  state.leakPerSec = state.leakPerSec ? 0.7 * state.leakPerSec + 0.3 * sample : sample;
}

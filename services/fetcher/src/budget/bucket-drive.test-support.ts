import { allowedInFlight, DEFAULT_LIMITS, emptyState, observe, waitMs, type BudgetLimits, type BudgetState } from './budget-policy.js';

export interface DriveOptions {
  hwm: number;
  leak: number;
  upfront: number;
  /** X-Request-Cost of every request. */
  cost: number;
  /** Each request takes a seeded uniform time in [min, max] ms. */
  latencyMs: [number, number];
  requests: number;
  /** Send X-Request-Cost (default true); without it the leak cannot be learned. */
  reportCost?: boolean;
  /** The first request goes alone, as a sync's course list does before its courses (default true). */
  listFirst?: boolean;
  limits?: BudgetLimits;
}

export interface DriveResult {
  done: number;
  throttled: number;
  peakInFlight: number;
  seconds: number;
  state: BudgetState;
}

/**
 * Canvas's leaky bucket (CANVAS.md: judged after the up-front charge; the charge is credited back
 * when the request ends and its cost added) against the budget policy, on a virtual clock: one
 * client sends whenever the policy allows, until `requests` have been answered. Deterministic.
 */
export function driveBucket(o: DriveOptions): DriveResult {
  const limits = o.limits ?? DEFAULT_LIMITS;
  const state = emptyState();
  let seed = 12_345;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  let bucket = 0;
  let leakedTo = 0;
  const leakTo = (at: number) => {
    bucket = Math.max(0, bucket - (o.leak * (at - leakedTo)) / 1000);
    leakedTo = at;
  };
  type Flight = { id: number; sentAt: number; endsAt: number; refused: boolean };
  const flights: Flight[] = [];
  let t = 0;
  let next = 0;
  let done = 0;
  let throttled = 0;
  let peak = 0;
  while (done < o.requests && t < 3_600_000) {
    // Answers due now, in order.
    flights.sort((a, b) => a.endsAt - b.endsAt);
    while (flights.length > 0 && flights[0]!.endsAt <= t) {
      const f = flights.shift()!;
      delete state.leases[String(f.id)];
      leakTo(f.endsAt);
      if (f.refused) {
        throttled++;
        observe(state, { throttled: true, remaining: 0, sentAt: f.sentAt, others: flights.length }, limits, f.endsAt, random);
      } else {
        bucket += o.cost - o.upfront;
        done++;
        observe(state, { throttled: false, remaining: o.hwm - bucket, sentAt: f.sentAt, others: flights.length, ...(o.reportCost === false ? {} : { cost: o.cost }) }, limits, f.endsAt, random);
      }
    }
    const live = flights.length;
    const listing = o.listFirst !== false && next > 0 && done === 0;
    if (!listing && done + live < o.requests && live < allowedInFlight(state, limits, t)) {
      const id = next++;
      state.leases[String(id)] = t + limits.leaseMs;
      leakTo(t);
      bucket += o.upfront;
      const refused = bucket >= o.hwm;
      if (refused) bucket -= o.upfront;
      const [min, max] = o.latencyMs;
      flights.push({ id, sentAt: t, endsAt: t + (refused ? 5 : min + random() * (max - min)), refused });
      peak = Math.max(peak, flights.length);
      continue;
    }
    // Nothing to send now: jump to the next answer or to when the policy says to look again.
    const wake = t + Math.max(1, Math.min(500, waitMs(state, limits, t, live)));
    const answer = flights.reduce((m, f) => Math.min(m, f.endsAt), Number.POSITIVE_INFINITY);
    t = Math.min(wake, answer);
  }
  return { done, throttled, peakInFlight: peak, seconds: t / 1000, state };
}

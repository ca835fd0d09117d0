import { allowedInFlight, DEFAULT_LIMITS, emptyState, observe, waitMs, type BudgetLimits, type BudgetState } from './budget-policy.js';

export interface DriveOptions {
  hwm: number;
  leak: number;
  upfront: number;
  /** X-Request-Cost of every request. */
  cost: number;
  /** Each request takes a seeded uniform time in [min, max] ms. */
  latencyMs: [number, number];
  /**
   * A request reaches the bucket a seeded uniform time in [min, max] ms after its lease (default
   * at once): a starved Canvas (the bench's simulator on a loaded machine) takes it up that late.
   * Meanwhile the budget counts it in flight, its up-front charge as already in the Remaining of
   * the answers it reads, which it is not yet.
   */
  reachLateMs?: [number, number];
  /**
   * The budget hears an answer a seeded uniform time in [min, max] ms after the bucket ended the
   * request (default at once): the client reads and parses a large body on a starved CPU before
   * it releases the lease. Meanwhile other answers count it in flight, its charge as still held,
   * when the bucket has already credited it back.
   */
  answerLateMs?: [number, number];
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

/** A leased request: on its way to the bucket until `reachesAt`, in it until `endsAt`, answered at `answeredAt`. */
interface Flight {
  id: number;
  sentAt: number;
  reachesAt: number;
  reached: boolean;
  endsAt: number;
  ended: boolean;
  answeredAt: number;
  refused: boolean;
  /** Remaining as the bucket reported it when the request ended. */
  remaining: number;
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
  const between = ([min, max]: [number, number]) => min + random() * (max - min);
  let bucket = 0;
  let leakedTo = 0;
  const leakTo = (at: number) => {
    bucket = Math.max(0, bucket - (o.leak * (at - leakedTo)) / 1000);
    leakedTo = at;
  };
  /** The request reaches the bucket: charged up front, or refused if that finds it full. */
  const reach = (f: Flight) => {
    leakTo(f.reachesAt);
    f.reached = true;
    bucket += o.upfront;
    f.refused = bucket >= o.hwm;
    if (f.refused) bucket -= o.upfront;
    f.endsAt = f.reachesAt + (f.refused ? 5 : between(o.latencyMs));
  };
  /** The bucket ends the request: credits the up-front charge back, adds the cost, reports Remaining. */
  const end = (f: Flight) => {
    leakTo(f.endsAt);
    f.ended = true;
    if (!f.refused) bucket += o.cost - o.upfront;
    f.remaining = o.hwm - bucket;
    f.answeredAt = f.endsAt + (o.answerLateMs ? between(o.answerLateMs) : 0);
  };
  const nextEvent = (f: Flight) => (!f.reached ? f.reachesAt : !f.ended ? f.endsAt : f.answeredAt);
  const flights: Flight[] = [];
  let t = 0;
  let next = 0;
  let done = 0;
  let throttled = 0;
  let peak = 0;
  while (done < o.requests && t < 3_600_000) {
    // Arrivals and answers due now, in order.
    for (;;) {
      const f = flights.reduce<Flight | undefined>((m, x) => (!m || nextEvent(x) < nextEvent(m) ? x : m), undefined);
      if (!f || nextEvent(f) > t) break;
      if (!f.reached) {
        reach(f);
        continue;
      }
      if (!f.ended) {
        end(f);
        continue;
      }
      flights.splice(flights.indexOf(f), 1);
      delete state.leases[String(f.id)];
      if (f.refused) {
        throttled++;
        observe(state, { throttled: true, remaining: 0, sentAt: f.sentAt, others: flights.length }, limits, f.answeredAt, random);
      } else {
        done++;
        observe(state, { throttled: false, remaining: f.remaining, sentAt: f.sentAt, others: flights.length, ...(o.reportCost === false ? {} : { cost: o.cost }) }, limits, f.answeredAt, random);
      }
    }
    const live = flights.length;
    const listing = o.listFirst !== false && next > 0 && done === 0;
    if (!listing && done + live < o.requests && live < allowedInFlight(state, limits, t)) {
      const id = next++;
      state.leases[String(id)] = t + limits.leaseMs;
      const f: Flight = { id, sentAt: t, reachesAt: t + (o.reachLateMs ? between(o.reachLateMs) : 0), reached: false, endsAt: 0, ended: false, answeredAt: 0, refused: false, remaining: 0 };
      if (!o.reachLateMs) reach(f);
      flights.push(f);
      peak = Math.max(peak, flights.length);
      continue;
    }
    // Nothing to send now: jump to the next event or to when the policy says to look again.
    const wake = t + Math.max(1, Math.min(500, waitMs(state, limits, t, live)));
    const event = flights.reduce((m, f) => Math.min(m, nextEvent(f)), Number.POSITIVE_INFINITY);
    t = Math.min(wake, event);
  }
  return { done, throttled, peakInFlight: peak, seconds: t / 1000, state };
}

import type { SimThrottle } from '../api.types.js';

/**
 * Canvas's leaky bucket (app/middleware/request_throttle.rb). `hwm` is a line inside the bucket: a
 * request finding the level at or above it is refused; the level itself may rise to `maximum`. Every
 * request first adds the up-front cost and is judged *after* that, which is why ~12 parallel requests
 * (12 × 50 = 600) trip it even when each costs nothing; the up-front part is credited back at the end.
 */
export class LeakyBucket {
  private count = 0;
  private touched: number;

  constructor(private readonly settings: SimThrottle, now: number) {
    this.touched = now;
  }

  /** Leak for the time passed, then add `amount` (may be negative), clamped to 0..maximum. */
  increment(amount: number, now: number): number {
    const elapsed = Math.max(0, now - this.touched) / 1000;
    const leaked = Math.max(0, this.count - elapsed * this.settings.leakPerSecond);
    this.count = Math.min(Math.max(0, leaked + amount), this.settings.maximum);
    this.touched = now;
    return this.count;
  }

  level(now: number): number {
    const elapsed = Math.max(0, now - this.touched) / 1000;
    return Math.max(0, this.count - elapsed * this.settings.leakPerSecond);
  }

  /** Canvas sends hwm − level: it goes negative while the bucket sits above the line. */
  remaining(): number {
    return this.settings.highWaterMark - this.count;
  }
}

/** Above this many buckets, empty ones are dropped (an empty bucket equals a fresh one). */
const MAX_IDLE_BUCKETS = 10_000;

export interface Reservation {
  bucket: LeakyBucket;
  throttled: boolean;
}

export class Throttle {
  private readonly buckets = new Map<string, LeakyBucket>();

  constructor(
    readonly settings: SimThrottle,
    private readonly now: () => number = Date.now,
  ) {}

  reserve(key: string): Reservation {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_IDLE_BUCKETS) this.pruneEmpty();
      bucket = new LeakyBucket(this.settings, this.now());
      this.buckets.set(key, bucket);
    }
    const level = bucket.increment(this.settings.upfrontCost, this.now());
    return { bucket, throttled: this.settings.enabled && level >= this.settings.highWaterMark };
  }

  /** Ends a request: credits the up-front cost back and charges the real one. Returns Remaining. */
  settle(reservation: Reservation, cost: number): number {
    reservation.bucket.increment(cost - this.settings.upfrontCost, this.now());
    return reservation.bucket.remaining();
  }

  /** Garbage tokens each get a bucket; forget the empty ones so memory stays bounded. */
  private pruneEmpty(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) if (bucket.level(now) === 0) this.buckets.delete(key);
  }

  level(key: string): number {
    return this.buckets.get(key)?.level(this.now()) ?? 0;
  }

  /** The cost Canvas would charge: fixed overhead plus work per row (rows, embedded rows, attached submissions). */
  cost(units: number): number {
    return round6(this.settings.baseCost + this.settings.costPerItem * units);
  }
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Ruby's Float#to_s: integral floats keep their ".0" (Canvas headers read "600.0"). */
export function formatFloat(value: number): string {
  const rounded = round6(value) + 0;
  return Number.isInteger(rounded) ? rounded.toFixed(1) : String(rounded);
}

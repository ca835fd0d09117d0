import CircuitBreaker from 'opossum';
import { isAppError } from '@canvas-sync/shared';

/** Options of every host's breaker. */
export interface BreakerOptions {
  /** Failure share (percent) within the rolling window that opens the circuit. */
  errorThresholdPercentage: number;
  /** Requests in the window before the share counts (a single failure must not open it). */
  volumeThreshold: number;
  /** How long the circuit stays open before one trial request (half-open). */
  resetTimeoutMs: number;
  rollingWindowMs: number;
  /** Hosts with a breaker at once (`CANVAS_MAX_BREAKER_HOSTS`): wildcard DNS gives an attacker unlimited hosts. */
  maxHosts: number;
  /** A host's breaker unused this long is dropped (`CANVAS_BREAKER_IDLE_MS`). */
  idleMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 5_000, rollingWindowMs: 10_000, maxHosts: 1_000, idleMs: 15 * 60_000 };

type Action = () => Promise<unknown>;

/**
 * One opossum circuit breaker per Canvas host. Only "Canvas is down" failures count (5xx,
 * timeouts, connection errors): a throttle, a permission error or a bad token says nothing about
 * the host's health and must not open the circuit for every other user of that host.
 */
export class HostBreakers {
  /** In least-recently-used order (a Map keeps insertion order; a use re-inserts). */
  private readonly breakers = new Map<string, CircuitBreaker<[Action], unknown>>();
  private readonly lastUsed = new Map<string, number>();

  constructor(
    private readonly options: BreakerOptions = DEFAULT_BREAKER,
    private readonly onStateChange?: (host: string, state: 'open' | 'halfOpen' | 'closed') => void,
    /** Called when a host's breaker is dropped (its metric label goes with it). */
    private readonly onEvict?: (host: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Hosts that have a breaker now. */
  get size(): number {
    return this.breakers.size;
  }

  /** Runs `action` through the host's breaker; rejects with `EOPENBREAKER` while it is open. */
  fire<T>(host: string, action: () => Promise<T>): Promise<T> {
    return this.get(host).fire(action) as Promise<T>;
  }

  isOpen(host: string): boolean {
    return this.breakers.get(host)?.opened ?? false;
  }

  /** Every host's state: 0 closed, 1 half-open, 2 open (for the metrics gauge). */
  states(): number[] {
    return [...this.breakers.values()].map((b) => (b.opened ? 2 : b.halfOpen ? 1 : 0));
  }

  shutdown(): void {
    for (const b of this.breakers.values()) b.shutdown();
  }

  /** Drops the least recently used breakers past `maxHosts` and those idle past `idleMs`. */
  private evict(room: number): void {
    const cutoff = this.now() - this.options.idleMs;
    for (const [host, breaker] of this.breakers) {
      if (this.breakers.size + room <= this.options.maxHosts && (this.lastUsed.get(host) ?? 0) >= cutoff) break;
      breaker.shutdown();
      this.breakers.delete(host);
      this.lastUsed.delete(host);
      this.onEvict?.(host);
    }
  }

  private get(host: string): CircuitBreaker<[Action], unknown> {
    let breaker = this.breakers.get(host);
    if (breaker) {
      this.breakers.delete(host);
      this.breakers.set(host, breaker);
    } else {
      this.evict(1);
      breaker = new CircuitBreaker<[Action], unknown>((action: Action) => action(), {
        timeout: false,
        errorThresholdPercentage: this.options.errorThresholdPercentage,
        volumeThreshold: this.options.volumeThreshold,
        resetTimeout: this.options.resetTimeoutMs,
        rollingCountTimeout: this.options.rollingWindowMs,
        // true = "not a failure of the host": only canvas_unavailable counts.
        errorFilter: (err: unknown) => !(isAppError(err, 'canvas_unavailable') || isAppError(err, 'canvas_bad_response')),
      });
      breaker.on('open', () => this.onStateChange?.(host, 'open'));
      breaker.on('halfOpen', () => this.onStateChange?.(host, 'halfOpen'));
      breaker.on('close', () => this.onStateChange?.(host, 'closed'));
      this.breakers.set(host, breaker);
    }
    this.lastUsed.set(host, this.now());
    return breaker;
  }
}

/** True for opossum's "circuit is open" rejection. */
export function isBreakerOpen(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'EOPENBREAKER';
}

import { randomUUID } from 'node:crypto';
import { allowedInFlight, DEFAULT_LIMITS, emptyState, liveLeases, observe, waitMs, type BudgetLimits, type BudgetState, type Observation } from './budget-policy.js';

/** A permission to send one request with a token; give it back with `release`. */
export interface Lease {
  tokenKey: string;
  id: string;
  /** When it was granted (ms, the budget's clock). */
  grantedAt: number;
}

/** One request budget per Canvas token, shared by every fetcher replica. */
export interface TokenBudget {
  acquire(tokenKey: string, signal?: AbortSignal): Promise<Lease>;
  /** `observation`: what the answer said (throttled, Remaining, cost); timing is the lease's own. */
  release(lease: Lease, observation: Pick<Observation, 'throttled' | 'remaining' | 'cost'>): Promise<void>;
}

/** Where budget states live: a map in one process, or NATS KV across replicas. */
export interface BudgetStore {
  /** Applies `change` atomically to the token's state; retried by the store on a conflict. */
  update<T>(tokenKey: string, change: (state: BudgetState) => T): Promise<T>;
}

/** An `acquire` waiting for its lease. */
interface Waiter {
  grant(lease: Lease): void;
  fail(err: unknown): void;
  done: boolean;
}

/**
 * The budget over a store: `acquire` waits until the policy allows one more request in flight for
 * the token; `release` records Canvas's headers and frees the slot.
 *
 * Within one process the acquirers of a token wait in one line (first come, first served), and
 * one loop per token asks the store for all of them at once: one round trip grants as many leases
 * as the bucket has room for, and a release in this process wakes the loop at once. So a walk
 * waiting for room costs no store round trips of its own: with 12 walks of one token at the bottom
 * of the bucket, polling each for itself took ~10 store writes per granted request, and granting
 * one by one kept a busy fetcher at 3–5 in flight where 11 were allowed (docs/performance.md).
 */
export function createTokenBudget(store: BudgetStore, limits: BudgetLimits = DEFAULT_LIMITS, now: () => number = Date.now): TokenBudget {
  const lines = new Map<string, Waiter[]>();
  const wakers = new Map<string, () => void>();

  /** Sleeps up to `ms`, or until a release of the token in this process ends it. */
  const nap = (tokenKey: string, ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (wakers.get(tokenKey) === done) wakers.delete(tokenKey);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakers.set(tokenKey, done);
    });

  const release: TokenBudget['release'] = async (lease, observation) => {
    await store.update(lease.tokenKey, (state) => {
      const t = now();
      delete state.leases[lease.id];
      observe(state, { ...observation, sentAt: lease.grantedAt, others: liveLeases(state, t) }, limits, t);
    });
    wakers.get(lease.tokenKey)?.();
  };

  /** Grants the token's waiting acquirers their leases as room allows, until none waits. */
  const serve = async (tokenKey: string, line: Waiter[]): Promise<void> => {
    try {
      for (;;) {
        for (let i = line.length - 1; i >= 0; i--) if (line[i]!.done) line.splice(i, 1);
        if (line.length === 0) return;
        const ids = line.map(() => randomUUID());
        const granted: Lease[] = [];
        const wait = await store.update(tokenKey, (state) => {
          granted.length = 0;
          const t = now();
          const live = liveLeases(state, t);
          const room = Math.min(ids.length, allowedInFlight(state, limits, t) - live);
          for (let i = 0; i < room; i++) {
            state.leases[ids[i]!] = t + limits.leaseMs;
            granted.push({ tokenKey, id: ids[i]!, grantedAt: t });
          }
          return room > 0 ? 0 : Math.max(20, Math.min(500, waitMs(state, limits, t, live)));
        });
        for (const lease of granted) {
          const waiter = line.find((w) => !w.done);
          if (waiter) {
            waiter.done = true;
            waiter.grant(lease);
          } else {
            // Its acquirer gave up while the store answered: the slot goes back at once.
            void release(lease, { throttled: false }).catch(() => undefined);
          }
        }
        // Jittered: replicas polling one token's entry must not fall into step.
        if (granted.length === 0) await nap(tokenKey, wait / 2 + Math.random() * wait);
      }
    } catch (err) {
      for (const waiter of line.splice(0)) if (!waiter.done) waiter.fail(err);
    } finally {
      if (lines.get(tokenKey) === line) lines.delete(tokenKey);
    }
  };

  return {
    acquire(tokenKey, signal) {
      signal?.throwIfAborted();
      return new Promise<Lease>((resolve, reject) => {
        const aborted = () => {
          if (waiter.done) return;
          waiter.done = true;
          reject(signal!.reason as Error);
        };
        const waiter: Waiter = {
          done: false,
          grant: (lease) => {
            signal?.removeEventListener('abort', aborted);
            resolve(lease);
          },
          fail: (err) => {
            signal?.removeEventListener('abort', aborted);
            reject(err as Error);
          },
        };
        signal?.addEventListener('abort', aborted, { once: true });
        const line = lines.get(tokenKey);
        if (line) return void line.push(waiter);
        const fresh = [waiter];
        lines.set(tokenKey, fresh);
        void serve(tokenKey, fresh);
      });
    },
    release,
  };
}

/** A store for one process (tests, single-replica runs). */
export function memoryBudgetStore(): BudgetStore {
  const states = new Map<string, BudgetState>();
  return {
    async update(tokenKey, change) {
      let state = states.get(tokenKey);
      if (!state) states.set(tokenKey, (state = emptyState()));
      return change(state);
    },
  };
}

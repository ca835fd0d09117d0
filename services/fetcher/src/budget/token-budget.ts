import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { allowedInFlight, DEFAULT_LIMITS, drainWaitMs, emptyState, liveLeases, observe, type BudgetLimits, type BudgetState, type Observation } from './budget-policy.js';

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

/**
 * The budget over a store: `acquire` waits (polling with jitter) until the policy allows one more
 * request in flight for the token; `release` records Canvas's headers and frees the slot.
 */
export function createTokenBudget(store: BudgetStore, limits: BudgetLimits = DEFAULT_LIMITS, now: () => number = Date.now): TokenBudget {
  return {
    async acquire(tokenKey, signal) {
      for (;;) {
        signal?.throwIfAborted();
        const id = randomUUID();
        let grantedAt = 0;
        const wait = await store.update(tokenKey, (state) => {
          const t = now();
          const live = liveLeases(state, t);
          if (live < allowedInFlight(state, limits, t)) {
            state.leases[id] = t + limits.leaseMs;
            grantedAt = t;
            return 0;
          }
          return Math.max(20, Math.min(500, Math.max(state.pausedUntil - t, drainWaitMs(state, t))));
        });
        if (wait === 0) return { tokenKey, id, grantedAt };
        await sleep(wait / 2 + Math.random() * wait, undefined, signal ? { signal } : undefined);
      }
    },
    async release(lease, observation) {
      await store.update(lease.tokenKey, (state) => {
        const t = now();
        delete state.leases[lease.id];
        const overlapped = liveLeases(state, t) > 0;
        observe(state, { ...observation, sentAt: lease.grantedAt, overlapped }, limits, t);
      });
    },
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

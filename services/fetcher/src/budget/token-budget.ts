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

/**
 * The budget over a store: `acquire` waits until the policy allows one more request in flight for
 * the token; `release` records Canvas's headers and frees the slot.
 *
 * Within one process the acquirers of a token queue up (first come, first served) and only the
 * first of them asks the store; a release in this process wakes it at once. So a walk waiting for
 * room costs no store round trips of its own: with 12 walks of one token at the bottom of the
 * bucket, the old way polled the store ~10 times per granted request (docs/performance.md).
 */
export function createTokenBudget(store: BudgetStore, limits: BudgetLimits = DEFAULT_LIMITS, now: () => number = Date.now): TokenBudget {
  const queues = new Map<string, Promise<void>>();
  const wakers = new Map<string, () => void>();

  /** Sleeps up to `ms`, or until a release of the token in this process (or the signal) ends it. */
  const nap = (tokenKey: string, ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        if (wakers.get(tokenKey) === done) wakers.delete(tokenKey);
        resolve();
      };
      const aborted = () => {
        done();
        reject(signal!.reason as Error);
      };
      const timer = setTimeout(done, ms);
      wakers.set(tokenKey, done);
      signal?.addEventListener('abort', aborted, { once: true });
    });

  const tryAcquire = async (tokenKey: string, id: string): Promise<{ wait: number; grantedAt: number }> => {
    let grantedAt = 0;
    const wait = await store.update(tokenKey, (state) => {
      const t = now();
      const live = liveLeases(state, t);
      if (live < allowedInFlight(state, limits, t)) {
        state.leases[id] = t + limits.leaseMs;
        grantedAt = t;
        return 0;
      }
      return Math.max(20, Math.min(500, waitMs(state, limits, t, live)));
    });
    return { wait, grantedAt };
  };

  return {
    async acquire(tokenKey, signal) {
      const before = queues.get(tokenKey) ?? Promise.resolve();
      let leave!: () => void;
      const turn = before.then(() => new Promise<void>((resolve) => (leave = resolve)));
      queues.set(tokenKey, turn);
      try {
        await abortable(before, signal);
        for (;;) {
          signal?.throwIfAborted();
          const id = randomUUID();
          const { wait, grantedAt } = await tryAcquire(tokenKey, id);
          if (wait === 0) return { tokenKey, id, grantedAt };
          // Jittered: replicas polling one token's entry must not fall into step.
          await nap(tokenKey, wait / 2 + Math.random() * wait, signal);
        }
      } finally {
        // `leave` exists once `before` settled; when aborted earlier, the next in line still waits for `before`.
        void before.then(() => leave());
        void turn.then(() => {
          if (queues.get(tokenKey) === turn) queues.delete(tokenKey);
        });
      }
    },
    async release(lease, observation) {
      await store.update(lease.tokenKey, (state) => {
        const t = now();
        delete state.leases[lease.id];
        observe(state, { ...observation, sentAt: lease.grantedAt, others: liveLeases(state, t) }, limits, t);
      });
      wakers.get(lease.tokenKey)?.();
    },
  };
}

/** `promise`, or a rejection as soon as `signal` aborts. */
function abortable(promise: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const aborted = () => reject(signal.reason as Error);
    signal.addEventListener('abort', aborted, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', aborted);
        resolve();
      },
      (err: unknown) => reject(err as Error),
    );
  });
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

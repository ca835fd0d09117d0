import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { TOKEN_BUDGET_KV } from '@canvas-sync/shared';
import { emptyState, type BudgetState } from './budget-policy.js';
import type { BudgetStore } from './token-budget.js';

/** Tokens whose last write this replica remembers; the least recently used are forgotten first. */
const KNOWN_TOKENS = 10_000;

/** What this replica last read or wrote for a token: the state and the KV revision it is at. */
interface Known {
  state: BudgetState;
  revision: number;
}

/** A change waiting for the token's next write, and who waits for its result. */
interface Pending {
  change: (state: BudgetState) => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Budget states in a NATS KV bucket, updated with compare-and-set on the entry's revision, so
 * that every fetcher replica sees one budget per token. Keys are token fingerprints (a hash),
 * never tokens. Entries expire after an hour without use.
 *
 * Each replica remembers the state and revision it last wrote and tries its next change against
 * them: one round trip (the CAS write) instead of a read and a write. When another replica wrote
 * in between, the revision no longer matches, the write is refused, and the change is re-applied
 * to a fresh read. So the cache can be stale but never wrong; it holds at most 10,000 tokens.
 *
 * Within a replica, one write per token is out at a time: changes that arrive meanwhile (the
 * answers of the token's other requests, the next acquire) are applied together, in order, in the
 * next write. Before, concurrent changes of one replica raced each other's CAS and lost: a read
 * and a second write for each of them (docs/performance.md).
 */
export async function kvBudgetStore(nc: NatsConnection, bucket: string): Promise<BudgetStore> {
  // An existing bucket is opened as it is: provisioning may have made it with more replicas.
  const kv: KV = await new Kvm(nc).create(bucket, { ...TOKEN_BUDGET_KV });
  const known = new Map<string, Known>();
  const queues = new Map<string, Pending[]>();

  /** The token's entry as KV has it now; revision 0 when there is none (expired, or never written). */
  const read = async (tokenKey: string): Promise<Known> => {
    const entry = await kv.get(tokenKey);
    if (!entry) return { state: emptyState(), revision: 0 };
    const live = entry.operation === 'PUT' && entry.length > 0;
    return { state: (live ? entry.json<BudgetState>() : null) ?? emptyState(), revision: entry.revision };
  };

  /** Keeps the entry most recent; memory stays bounded however many tokens pass through. */
  const remember = (tokenKey: string, entry: Known) => {
    known.delete(tokenKey);
    known.set(tokenKey, entry);
    if (known.size > KNOWN_TOKENS) known.delete(known.keys().next().value!);
  };

  /** Applies a batch of changes in one CAS write (re-applied to a fresh read on a conflict). */
  const write = async (tokenKey: string, batch: Pending[]): Promise<void> => {
    let base = known.get(tokenKey) ?? (await read(tokenKey));
    for (let attempt = 0; ; attempt++) {
      const state = structuredClone(base.state);
      const results = batch.map((p) => {
        try {
          return { ok: true as const, value: p.change(state) };
        } catch (err) {
          return { ok: false as const, err };
        }
      });
      const data = JSON.stringify(state);
      try {
        const revision = base.revision === 0 ? await kv.create(tokenKey, data) : await kv.update(tokenKey, data, base.revision);
        remember(tokenKey, { state, revision });
        results.forEach((r, i) => (r.ok ? batch[i]!.resolve(r.value) : batch[i]!.reject(r.err)));
        return;
      } catch (err) {
        // Another replica changed the entry first (or it expired): read it again and re-apply.
        known.delete(tokenKey);
        if (attempt > 50) throw err;
        base = await read(tokenKey);
      }
    }
  };

  /** Writes the token's queued changes, a batch per round trip, until none are left. */
  const drain = async (tokenKey: string, queue: Pending[]): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.splice(0, queue.length);
      await write(tokenKey, batch).catch((err: unknown) => batch.forEach((p) => p.reject(err)));
    }
    queues.delete(tokenKey);
  };

  return {
    update<T>(tokenKey: string, change: (state: BudgetState) => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const pending: Pending = { change, resolve: resolve as (value: unknown) => void, reject };
        const queue = queues.get(tokenKey);
        if (queue) return void queue.push(pending);
        const fresh = [pending];
        queues.set(tokenKey, fresh);
        void drain(tokenKey, fresh);
      });
    },
  };
}

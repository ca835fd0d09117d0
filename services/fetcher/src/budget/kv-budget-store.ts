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

/**
 * Budget states in a NATS KV bucket, updated with compare-and-set on the entry's revision, so
 * that every fetcher replica sees one budget per token. Keys are token fingerprints (a hash),
 * never tokens. Entries expire after an hour without use.
 *
 * Each replica remembers the state and revision it last wrote and tries its next change against
 * them: one round trip (the CAS write) instead of a read and a write. When another replica wrote
 * in between, the revision no longer matches, the write is refused, and the change is re-applied
 * to a fresh read. So the cache can be stale but never wrong; it holds at most 10,000 tokens.
 */
export async function kvBudgetStore(nc: NatsConnection, bucket: string): Promise<BudgetStore> {
  // An existing bucket is opened as it is: provisioning may have made it with more replicas.
  const kv: KV = await new Kvm(nc).create(bucket, { ...TOKEN_BUDGET_KV });
  const known = new Map<string, Known>();

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

  return {
    async update(tokenKey, change) {
      let base = known.get(tokenKey) ?? (await read(tokenKey));
      for (let attempt = 0; ; attempt++) {
        const state = structuredClone(base.state);
        const result = change(state);
        const data = JSON.stringify(state);
        try {
          const revision = base.revision === 0 ? await kv.create(tokenKey, data) : await kv.update(tokenKey, data, base.revision);
          remember(tokenKey, { state, revision });
          return result;
        } catch (err) {
          // Another replica changed the entry first (or it expired): read it again and re-apply.
          known.delete(tokenKey);
          if (attempt > 50) throw err;
          base = await read(tokenKey);
        }
      }
    },
  };
}

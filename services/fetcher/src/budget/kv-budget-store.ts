import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { emptyState, type BudgetState } from './budget-policy.js';
import type { BudgetStore } from './token-budget.js';

/**
 * Budget states in a NATS KV bucket, updated with compare-and-set on the entry's revision, so
 * that every fetcher replica sees one budget per token. Keys are token fingerprints (a hash),
 * never tokens. Entries expire after an hour without use.
 */
export async function kvBudgetStore(nc: NatsConnection, bucket: string): Promise<BudgetStore> {
  const kv: KV = await new Kvm(nc).create(bucket, { history: 1, ttl: 3_600_000 });
  return {
    async update(tokenKey, change) {
      for (let attempt = 0; ; attempt++) {
        const entry = await kv.get(tokenKey);
        const live = entry && entry.operation === 'PUT' && entry.length > 0;
        const state: BudgetState = live ? (entry.json<BudgetState>() ?? emptyState()) : emptyState();
        const result = change(state);
        const data = JSON.stringify(state);
        try {
          if (live) await kv.update(tokenKey, data, entry.revision);
          else if (entry) await kv.update(tokenKey, data, entry.revision);
          else await kv.create(tokenKey, data);
          return result;
        } catch (err) {
          // Another replica changed the entry first: read it again and re-apply.
          if (attempt > 50) throw err;
        }
      }
    },
  };
}

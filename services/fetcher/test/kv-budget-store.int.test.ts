import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createTestNats, type TestNats } from '@canvas-sync/testkit';
import { DEFAULT_LIMITS } from '../src/budget/budget-policy.js';
import { kvBudgetStore } from '../src/budget/kv-budget-store.js';
import { createTokenBudget, type TokenBudget } from '../src/budget/token-budget.js';

/** Fetcher replicas, each with its own NATS connection and its own cache, on one KV bucket. */
describe('the token budget in NATS KV, shared by replicas', () => {
  let t: TestNats;
  const connections: NatsConnection[] = [];
  beforeAll(async () => {
    t = await createTestNats({ provision: false });
  });
  afterAll(async () => {
    for (const nc of connections) await nc.close();
    await t?.close();
  });

  const replicas = async (n: number, now: () => number = Date.now, maxInFlight = 3): Promise<TokenBudget[]> =>
    Promise.all(
      Array.from({ length: n }, async () => {
        const nc = await connect({ servers: t.url });
        connections.push(nc);
        return createTokenBudget(await kvBudgetStore(nc, t.ns.bucket('TOKEN_BUDGET')), { ...DEFAULT_LIMITS, maxInFlight }, now);
      }),
    );

  it('one replica with many requests of a token in flight: at most two KV writes per request, no lost race', async () => {
    const [budget] = await replicas(1, Date.now, 11);
    const nc = connections.at(-1)!;
    const before = nc.stats().outMsgs;
    let inFlight = 0;
    let peak = 0;
    const requests = 60;
    let started = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        while (started < requests) {
          started++;
          const lease = await budget!.acquire('token-c');
          peak = Math.max(peak, ++inFlight);
          await sleep(5 + Math.random() * 10);
          inFlight--;
          await budget!.release(lease, { throttled: false, remaining: 599 - 50 * inFlight, cost: 1 });
        }
      }),
    );
    // Each request is one acquire and one release; changes that meet are written together. Before,
    // the replica's own concurrent writes refused each other: a read and a rewrite per lost race.
    const messages = nc.stats().outMsgs - before;
    expect(messages).toBeLessThanOrEqual(2 * requests + 2);
    expect(peak).toBeGreaterThan(3);
    expect(peak).toBeLessThanOrEqual(11);
  });

  it('never lets more than the allowance be in flight across replicas, and loses no lease', async () => {
    const budgets = await replicas(3);
    let inFlight = 0;
    let peak = 0;
    let done = 0;
    const worker = async (budget: TokenBudget) => {
      for (let i = 0; i < 8; i++) {
        const lease = await budget.acquire('token-a');
        peak = Math.max(peak, ++inFlight);
        await sleep(2 + Math.random() * 5);
        inFlight--;
        await budget.release(lease, { throttled: false, remaining: 500 });
        done++;
      }
    };
    await Promise.all(budgets.flatMap((b) => Array.from({ length: 4 }, () => worker(b))));
    expect(done).toBe(3 * 4 * 8);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });

  it('a replica whose cached state is stale still honours a pause another replica recorded', async () => {
    let clock = 1_000_000;
    const [a, b] = await replicas(2, () => clock);
    // A writes (and caches) the state: one request, healthy.
    await a!.release(await a!.acquire('token-b'), { throttled: false, remaining: 600 });
    // B then records a throttle: no request for this token before the back-off ends.
    await b!.release(await b!.acquire('token-b'), { throttled: true, remaining: 0 });

    let granted = false;
    const pending = a!.acquire('token-b').then((lease) => ((granted = true), lease));
    await sleep(400);
    expect(granted).toBe(false);
    clock += DEFAULT_LIMITS.throttleMaxMs;
    const lease = await pending;
    expect(granted).toBe(true);
    await a!.release(lease, { throttled: false, remaining: 600 });
  });
});

import { describe, expect, it } from 'vitest';
import { allowedInFlight, budgetLimits, DEFAULT_LIMITS, drainWaitMs, emptyState, liveLeases, observe, type BudgetState } from './budget-policy.js';
import { createTokenBudget, memoryBudgetStore } from './token-budget.js';

describe('budget policy', () => {
  it('allows the maximum before Canvas has said anything', () => {
    expect(allowedInFlight(emptyState(), DEFAULT_LIMITS, 0)).toBe(3);
  });

  it('slows down as Remaining falls, relative to the highest Remaining seen (never a hard-coded 600)', () => {
    const s = emptyState();
    observe(s, { throttled: false, remaining: 1000 }, DEFAULT_LIMITS, 0);
    expect(allowedInFlight(s, DEFAULT_LIMITS, 0)).toBe(3);
    observe(s, { throttled: false, remaining: 400 }, DEFAULT_LIMITS, 0);
    expect(allowedInFlight(s, DEFAULT_LIMITS, 0)).toBe(2);
    observe(s, { throttled: false, remaining: 100 }, DEFAULT_LIMITS, 0);
    expect(allowedInFlight(s, DEFAULT_LIMITS, 0)).toBe(1);
  });

  it('pauses after a throttle with a growing back-off, and resumes after it', () => {
    const s = emptyState();
    observe(s, { throttled: true, remaining: 0 }, DEFAULT_LIMITS, 1_000, () => 1);
    expect(s.pausedUntil).toBe(2_000);
    expect(allowedInFlight(s, DEFAULT_LIMITS, 1_500)).toBe(0);
    observe(s, { throttled: true }, DEFAULT_LIMITS, 2_000, () => 1);
    expect(s.pausedUntil).toBe(4_000);
    observe(s, { throttled: false, remaining: 500 }, DEFAULT_LIMITS, 4_000);
    expect(s.throttles).toBe(0);
    expect(allowedInFlight(s, DEFAULT_LIMITS, 4_001)).toBe(3);
  });

  it('drops leases of crashed holders once they expire', () => {
    const s = emptyState();
    s.leases = { a: 10, b: 100 };
    expect(liveLeases(s, 50)).toBe(1);
    expect(Object.keys(s.leases)).toEqual(['b']);
  });

  it('frees the allowance a crashed fetcher held once its leases outlive the request timeout', async () => {
    let now = 0;
    const limits = budgetLimits(3, 10_000);
    expect(limits.leaseMs).toBeLessThanOrEqual(15_000);
    const budget = createTokenBudget(memoryBudgetStore(), limits, () => now);
    // A fetcher takes the whole allowance and dies without releasing anything.
    await Promise.all([budget.acquire('t'), budget.acquire('t'), budget.acquire('t')]);
    const blocked = new AbortController();
    const waiting = budget.acquire('t', blocked.signal);
    await new Promise((r) => setTimeout(r, 50));
    blocked.abort();
    await expect(waiting).rejects.toThrow();
    now = limits.leaseMs + 1;
    await expect(budget.acquire('t')).resolves.toMatchObject({ tokenKey: 't' });
  });

  it('never lets more than the allowance in flight at once', async () => {
    const budget = createTokenBudget(memoryBudgetStore());
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const lease = await budget.acquire('t');
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        await budget.release(lease, { throttled: false, remaining: 600 });
      }),
    );
    expect(peak).toBe(3);
  });

  /**
   * Canvas's leaky bucket as CANVAS.md describes it (high-water mark, leak per second, 50 up front
   * while a request runs, then its cost), driven by the policy on a virtual clock: one client
   * sending whenever the policy allows, requests (of cost 4 unless said) taking 150 ms — 26 units/s against a
   * leak of 10, so the bucket fills within a minute and the leak is what bounds the rate.
   */
  function drive(options: { reportCost: boolean; hwm: number; leak: number; seconds: number; cost?: number }) {
    const c = options.cost ?? 4;
    const s = emptyState();
    let t = 0;
    let bucket = 0;
    let leakedTo = 0;
    const leakTo = (at: number) => {
      bucket = Math.max(0, bucket - (options.leak * (at - leakedTo)) / 1000);
      leakedTo = at;
    };
    let sent = 0;
    let throttled = 0;
    let cost = 0;
    while (t < options.seconds * 1000) {
      if (allowedInFlight(s, DEFAULT_LIMITS, t) === 0) {
        t += 10;
        continue;
      }
      const sentAt = t;
      leakTo(t);
      sent++;
      bucket += 50; // judged after the up-front charge (CANVAS.md: ~12 in flight trip it at zero cost)
      if (bucket >= options.hwm) {
        bucket -= 50;
        throttled++;
        t += 5;
        observe(s, { throttled: true, remaining: 0, sentAt, overlapped: false }, DEFAULT_LIMITS, t, () => 0.5);
        continue;
      }
      t += 150;
      leakTo(t);
      bucket += c - 50;
      cost += c;
      observe(s, { throttled: false, remaining: options.hwm - bucket, sentAt, overlapped: false, ...(options.reportCost ? { cost: c } : {}) }, DEFAULT_LIMITS, t);
    }
    return { sent, throttled, cost, state: s };
  }

  it('at the bottom of the bucket, paces requests by the learned leak instead of probing into throttles', () => {
    const blind = drive({ reportCost: false, hwm: 600, leak: 10, seconds: 180 });
    const paced = drive({ reportCost: true, hwm: 600, leak: 10, seconds: 180 });
    // Without the cost, the leak cannot be learned: the budget probes and is refused again and again.
    expect(blind.throttled).toBeGreaterThan(20);
    // With it, the leak rate is learned (≈ 10 units/s) and the next request waits for room.
    expect(paced.state.leakPerSec).toBeGreaterThan(8);
    expect(paced.state.leakPerSec).toBeLessThan(12);
    expect(paced.throttled).toBeLessThanOrEqual(2);
    // It learned where Canvas refuses: Remaining ≈ 50, the up-front charge, not 0.
    expect(paced.state.refusedAt).toBeGreaterThan(40);
    expect(paced.state.refusedAt).toBeLessThan(55);
    // And nothing is given away: the work done is what the bucket allows (550 + 10/s), within 5 %.
    expect(paced.cost).toBeGreaterThanOrEqual(0.95 * (550 + 10 * 180));
    expect(paced.cost).toBeGreaterThanOrEqual(blind.cost * 0.95);
  });

  it('learns whatever bucket the install has: a larger one leaking 25/s', () => {
    const paced = drive({ reportCost: true, hwm: 1_500, leak: 25, seconds: 180, cost: 10 });
    expect(paced.state.leakPerSec).toBeGreaterThan(20);
    expect(paced.state.leakPerSec).toBeLessThan(30);
    expect(paced.throttled).toBeLessThanOrEqual(2);
    expect(paced.cost).toBeGreaterThanOrEqual(0.95 * (1_450 + 25 * 180));
  });

  it('never holds a request back before a leak rate is known, nor while the bucket has room', () => {
    const s: BudgetState = { ...emptyState(), remaining: 3, maxRemaining: 600, observedAt: 0, lastCost: 4 };
    expect(drainWaitMs(s, 0)).toBe(0);
    s.leakPerSec = 10;
    expect(drainWaitMs(s, 0)).toBe(100);
    expect(drainWaitMs(s, 100)).toBe(0);
    s.refusedAt = 50; // learned: requests are refused below Remaining 50
    s.refusedAtUntil = 600_000;
    expect(drainWaitMs(s, 100)).toBe(5_000);
    // A line not confirmed by a refusal for ten minutes is forgotten (another client's burst may have taught it).
    s.observedAt = 600_000;
    expect(drainWaitMs(s, 600_000)).toBe(100);
    s.remaining = 400;
    expect(drainWaitMs(s, 0)).toBe(0);
  });

  it('learns nothing from answers that overlapped another request or started before the last answer', () => {
    const s: BudgetState = { ...emptyState(), remaining: 100, maxRemaining: 600, observedAt: 1_000 };
    observe(s, { throttled: false, remaining: 98, cost: 4, sentAt: 1_000, overlapped: true }, DEFAULT_LIMITS, 1_200);
    expect(s.leakPerSec).toBeUndefined();
    observe(s, { throttled: false, remaining: 96, cost: 4, sentAt: 900 }, DEFAULT_LIMITS, 1_400);
    expect(s.leakPerSec).toBeUndefined();
    observe(s, { throttled: false, remaining: 94, cost: 4, sentAt: 1_400 }, DEFAULT_LIMITS, 1_600);
    expect(s.leakPerSec).toBeCloseTo(10);
  });
});

import { describe, expect, it } from 'vitest';
import { allowedInFlight, budgetLimits, DEFAULT_LIMITS, emptyState, liveLeases, observe } from './budget-policy.js';
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
});

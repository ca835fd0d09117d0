import { afterEach, describe, expect, it, vi } from 'vitest';
import { fairShareDelay, UserSlots, type UserSlot } from './user-slots.js';

describe('UserSlots', () => {
  it('caps units per user, not per process', () => {
    const slots = new UserSlots(2);
    const a1 = slots.tryTake('a');
    const a2 = slots.tryTake('a');
    expect(a1 && a2).toBeTruthy();
    expect(slots.tryTake('a')).toBeUndefined();
    expect(slots.tryTake('b')).toBeDefined();
    a1!.release();
    a1!.release(); // idempotent: frees one slot, not two
    expect(slots.tryTake('a')).toBeDefined();
    expect(slots.tryTake('a')).toBeUndefined();
  });

  it('take() waits for a slot of that user and gets it when one is released', async () => {
    const slots = new UserSlots(1);
    const held = slots.tryTake('a')!;
    let got = false;
    const waiting = slots.take('a').then((s) => ((got = true), s));
    slots.tryTake('b')!.release(); // another user's release does not hand over a's slot
    await new Promise((r) => setImmediate(r));
    expect(got).toBe(false);
    held.release();
    const slot = await waiting;
    expect(got).toBe(true);
    expect(slots.tryTake('a')).toBeUndefined();
    slot.release();
  });
});

describe('UserSlots: the line', () => {
  afterEach(() => vi.useRealTimers());

  it('is off by default (the planner): a user at the cap is not kept waiting', async () => {
    const slots = new UserSlots(1);
    slots.tryTake('a');
    expect(await slots.waitInLine('a')).toBeUndefined();
  });

  it("after a wait timed out, the user's next unit may wait in line again and gets the released slot", async () => {
    vi.useFakeTimers();
    const slots = new UserSlots(1, { capacity: 8, maxWaitMs: 1_000 });
    const held = slots.tryTake('a')!;
    const first = slots.waitInLine('a');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await first).toBeUndefined();
    const second = slots.waitInLine('a');
    held.release();
    const slot = await second;
    expect(slot).toBeDefined();
    slot!.release();
  });

  it('close() sends units in line back but keeps a last delivery waiting for a real slot', async () => {
    const slots = new UserSlots(1, { capacity: 8, maxWaitMs: 30_000 });
    const held = slots.tryTake('a')!;
    const inLine = slots.waitInLine('a');
    let last: UserSlot | undefined;
    const lastDelivery = slots.take('a').then((s) => (last = s));
    slots.close();
    expect(await inLine).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(last).toBeUndefined();
    held.release();
    await lastDelivery;
    expect(last).toBeDefined();
  });
});

describe('fairShareDelay', () => {
  it('is short and spread: 200 ms plus jitter that widens with deliveries, capped at 2.2 s', () => {
    expect(fairShareDelay(1, () => 0)).toBe(200);
    expect(fairShareDelay(1, () => 1)).toBe(300);
    expect(fairShareDelay(10, () => 0.5)).toBe(700);
    expect(fairShareDelay(500, () => 1)).toBe(2_200);
    const spread = new Set(Array.from({ length: 50 }, () => fairShareDelay(30)));
    expect(spread.size).toBeGreaterThan(10);
  });
});

import { describe, expect, it } from 'vitest';
import { fairShareDelay, UserSlots } from './user-slots.js';

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

import { describe, expect, it } from 'vitest';
import { AnswerBytes } from './answer-bytes.js';

describe('AnswerBytes', () => {
  it('reserves up to the bound, refuses past it without taking anything, and gives back', () => {
    const account = new AnswerBytes(100);
    expect(account.tryReserve(60)).toBe(true);
    expect(account.tryReserve(40)).toBe(true);
    expect(account.inUse).toBe(100);
    expect(account.tryReserve(1)).toBe(false);
    expect(account.inUse).toBe(100);
    account.release(60);
    expect(account.inUse).toBe(40);
    expect(account.tryReserve(60)).toBe(true);
    expect(account.peak).toBe(100);
    account.release(100);
    expect(account.inUse).toBe(0);
  });

  it('never goes below zero and refuses a bad limit', () => {
    const account = new AnswerBytes(10);
    account.release(5);
    expect(account.inUse).toBe(0);
    expect(() => new AnswerBytes(0)).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { AnswerBytes, tokenShare } from './answer-bytes.js';

describe('AnswerBytes', () => {
  it('reserves up to the bound, refuses past it without taking anything, and gives back', () => {
    const account = new AnswerBytes(100);
    expect(account.tryReserve(60)).toBeUndefined();
    expect(account.tryReserve(40)).toBeUndefined();
    expect(account.inUse).toBe(100);
    expect(account.tryReserve(1)).toBe('process');
    expect(account.inUse).toBe(100);
    account.release(60);
    expect(account.inUse).toBe(40);
    expect(account.tryReserve(60)).toBeUndefined();
    expect(account.peak).toBe(100);
    account.release(100);
    expect(account.inUse).toBe(0);
  });

  it("holds each owner to its share, and refuses past the process's bound whoever asks", () => {
    const account = new AnswerBytes(100, 40);
    expect(account.tryReserve(40, 'a')).toBeUndefined();
    expect(account.tryReserve(1, 'a')).toBe('share');
    expect(account.heldBy('a')).toBe(40);
    expect(account.tryReserve(40, 'b')).toBeUndefined();
    expect(account.tryReserve(30, 'c')).toBe('process');
    expect(account.tryReserve(20, 'c')).toBeUndefined();
    account.release(40, 'a');
    expect(account.heldBy('a')).toBe(0);
    expect(account.tryReserve(40, 'a')).toBeUndefined();
    expect(account.inUse).toBe(100);
  });

  it("a token's share is a quarter of the process's bound, never less than one whole answer", () => {
    expect(tokenShare(128 * 1024 * 1024, 16 * 1024 * 1024)).toBe(32 * 1024 * 1024);
    expect(tokenShare(32 * 1024 * 1024, 16 * 1024 * 1024)).toBe(16 * 1024 * 1024);
    expect(tokenShare(16 * 1024 * 1024, 16 * 1024 * 1024)).toBe(16 * 1024 * 1024);
  });

  it('never goes below zero and refuses a bad limit', () => {
    const account = new AnswerBytes(10);
    account.release(5);
    expect(account.inUse).toBe(0);
    expect(() => new AnswerBytes(0)).toThrow(RangeError);
    expect(() => new AnswerBytes(10, 11)).toThrow(RangeError);
  });
});

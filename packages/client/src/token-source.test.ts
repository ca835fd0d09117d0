import { describe, expect, it, vi } from 'vitest';
import { fakeJwt } from '../test/fakes.js';
import { jwtExpiresAt, TokenSource } from './token-source.js';

describe('jwtExpiresAt', () => {
  it('reads exp without verifying, and is undefined for anything else', () => {
    expect(jwtExpiresAt(fakeJwt('u1', 1_800_000_000_000))).toBe(1_800_000_000_000);
    expect(jwtExpiresAt('not-a-jwt')).toBeUndefined();
    expect(jwtExpiresAt('a.@@@.c')).toBeUndefined();
    expect(jwtExpiresAt(`a.${Buffer.from('{"exp":"soon"}').toString('base64url')}.c`)).toBeUndefined();
    expect(jwtExpiresAt(`a.${Buffer.from('null').toString('base64url')}.c`)).toBeUndefined();
  });
});

describe('TokenSource', () => {
  it('asks at start, reuses the token, and asks again a margin before exp', async () => {
    let now = 1_000_000;
    let n = 0;
    const provider = vi.fn(() => fakeJwt('u1', now + 300_000, String(++n)));
    const tokens = new TokenSource(provider, { refreshMarginMs: 30_000, now: () => now });
    const first = await tokens.get();
    expect(provider).toHaveBeenCalledTimes(1);
    now += 269_000;
    expect(await tokens.get()).toBe(first);
    expect(tokens.dueAt()).toBe(1_000_000 + 270_000);
    now += 1_000;
    const second = await tokens.get();
    expect(second).not.toBe(first);
    expect(provider).toHaveBeenCalledTimes(2);
    // A token already replaced (a socket still on it) is due now; the current one keeps its time.
    expect(tokens.dueAt(first)).toBe(now);
    expect(tokens.dueAt(second)).toBe(tokens.dueAt());
  });

  it('gives a token shorter than the margin half its life instead of asking in a loop', async () => {
    const now = 0;
    const provider = vi.fn(() => fakeJwt('u1', now + 20_000));
    const tokens = new TokenSource(provider, { refreshMarginMs: 30_000, now: () => now });
    await tokens.get();
    await tokens.get();
    expect(provider).toHaveBeenCalledTimes(1);
    expect(tokens.dueAt()).toBe(10_000);
  });

  it('shares one provider call between concurrent callers; refresh(rejected) returns a newer token as is', async () => {
    let n = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const provider = vi.fn(async () => {
      await gate;
      return fakeJwt('u1', Date.now() + 600_000, String(++n));
    });
    const tokens = new TokenSource(provider);
    const both = Promise.all([tokens.get(), tokens.get(), tokens.refresh()]);
    release();
    const [a, b, c] = await both;
    expect(provider).toHaveBeenCalledTimes(1);
    expect(new Set([a, b, c]).size).toBe(1);
    const fresh = await tokens.refresh(a);
    expect(fresh).not.toBe(a);
    // Two requests refused with the old token: the second one gets the token the first one fetched.
    expect(await tokens.refresh(a)).toBe(fresh);
    expect(provider).toHaveBeenCalledTimes(2);
  });

  it('turns a failing or empty provider into CanvasSyncError unauthenticated', async () => {
    await expect(new TokenSource(() => Promise.reject(new Error('signed out'))).get()).rejects.toMatchObject({ status: 0, code: 'unauthenticated' });
    await expect(new TokenSource(() => '').get()).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});

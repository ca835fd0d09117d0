import { describe, expect, it } from 'vitest';
import { expiryOf, subjectOf, TokenSource } from './token-source.js';

const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const jwt = (claims: object) => `${b64({ alg: 'HS256' })}.${b64(claims)}.sig`;

describe('the panel token source', () => {
  it('reads exp and sub, and nothing from a non-JWT', () => {
    expect(expiryOf(jwt({ sub: 'u1', exp: 100 }))).toBe(100_000);
    expect(subjectOf(jwt({ sub: 'u1', exp: 100 }))).toBe('u1');
    expect(expiryOf('not-a-jwt')).toBeNull();
    expect(subjectOf('x.y.z')).toBeNull();
  });

  it('asks the provider once at start, again only when the token is within the margin of exp', async () => {
    let now = 0;
    let calls = 0;
    const source = new TokenSource(() => jwt({ sub: 'u', exp: 60, n: ++calls }), 15_000, () => now);
    const first = await source.get();
    expect(await source.get()).toBe(first);
    expect(calls).toBe(1);
    expect(source.renewAt()).toBe(45_000);
    now = 44_999;
    await source.get();
    expect(calls).toBe(1);
    now = 45_000;
    expect(await source.get()).not.toBe(first);
    expect(calls).toBe(2);
  });

  it('renews a token living shorter than the margin after three quarters of its life, not at once', async () => {
    const now = 1_000;
    let calls = 0;
    const source = new TokenSource(() => jwt({ sub: 'u', exp: 9, n: ++calls }), 15_000, () => now);
    await source.get();
    expect(source.renewAt()).toBe(7_000);
    await source.get();
    expect(calls).toBe(1);
  });

  it('shares one provider call between concurrent refreshes, and refuses an empty answer', async () => {
    let calls = 0;
    const source = new TokenSource(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      return jwt({ sub: 'u' });
    });
    const [a, b] = await Promise.all([source.refresh(), source.refresh()]);
    expect(a).toBe(b);
    expect(calls).toBe(1);
    await expect(new TokenSource(() => '  ').get()).rejects.toThrow(/no token/);
  });
});

import { describe, expect, it } from 'vitest';
import { AppError } from '@canvas-sync/shared';
import { DEFAULT_BREAKER, HostBreakers, isBreakerOpen } from './host-breakers.js';

describe('HostBreakers: bounded per-host state (issue 14)', () => {
  it('keeps at most maxHosts breakers, dropping the least recently used with its metric label', async () => {
    const evicted: string[] = [];
    const breakers = new HostBreakers({ ...DEFAULT_BREAKER, maxHosts: 3 }, undefined, (host) => evicted.push(host));
    for (let i = 0; i < 1_000; i++) await breakers.fire(`h${i}.evil.test`, async () => i);
    expect(breakers.size).toBe(3);
    expect(evicted).toHaveLength(997);
    expect(evicted.slice(0, 2)).toEqual(['h0.evil.test', 'h1.evil.test']);
    // A host in use is recent: it outlives newer hosts that were used less recently.
    await breakers.fire('h997.evil.test', async () => 0);
    await breakers.fire('new1.test', async () => 0);
    await breakers.fire('new2.test', async () => 0);
    expect(evicted.slice(-2)).toEqual(['h998.evil.test', 'h999.evil.test']);
    breakers.shutdown();
  });

  it('drops breakers idle past idleMs when another host comes', async () => {
    let now = 0;
    const evicted: string[] = [];
    const breakers = new HostBreakers({ ...DEFAULT_BREAKER, idleMs: 1_000 }, undefined, (host) => evicted.push(host), () => now);
    await breakers.fire('a.test', async () => 0);
    now = 500;
    await breakers.fire('b.test', async () => 0);
    now = 1_200;
    await breakers.fire('c.test', async () => 0);
    expect(evicted).toEqual(['a.test']);
    expect(breakers.size).toBe(2);
    breakers.shutdown();
  });

  it('still opens the circuit of a busy failing host', async () => {
    const breakers = new HostBreakers({ ...DEFAULT_BREAKER, maxHosts: 2, volumeThreshold: 2 });
    for (let i = 0; i < 5; i++) await breakers.fire('down.test', async () => Promise.reject(new AppError('canvas_unavailable'))).catch(() => undefined);
    expect(breakers.isOpen('down.test')).toBe(true);
    expect(await breakers.fire('down.test', async () => 0).catch((err: unknown) => isBreakerOpen(err))).toBe(true);
    breakers.shutdown();
  });
});

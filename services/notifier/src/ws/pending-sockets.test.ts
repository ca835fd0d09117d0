import { describe, expect, it } from 'vitest';
import { PendingSockets } from './pending-sockets.js';

describe('PendingSockets', () => {
  it('caps unauthenticated sockets per IP, independently per address', () => {
    const pending = new PendingSockets(2);
    expect(pending.acquire('1.1.1.1')).toBe(true);
    expect(pending.acquire('1.1.1.1')).toBe(true);
    expect(pending.isFull('1.1.1.1')).toBe(true);
    expect(pending.acquire('1.1.1.1')).toBe(false);
    expect(pending.acquire('2.2.2.2')).toBe(true);
  });

  it('frees a slot on release and forgets an address at zero', () => {
    const pending = new PendingSockets(1);
    pending.acquire('1.1.1.1');
    pending.release('1.1.1.1');
    expect(pending.size).toBe(0);
    expect(pending.acquire('1.1.1.1')).toBe(true);
    pending.release('9.9.9.9');
    expect(pending.size).toBe(1);
  });
});

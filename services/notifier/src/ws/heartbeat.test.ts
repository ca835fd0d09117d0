import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from './heartbeat.js';

class FakeSocket {
  pings: number[] = [];
  terminated = false;
  ping() {
    this.pings.push(Date.now());
  }
  terminate() {
    this.terminated = true;
  }
}

describe('Heartbeat', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('pings each socket once per interval, a slice of them per tick, never all at once', () => {
    const hb = new Heartbeat<FakeSocket>(1_000, 10);
    const sockets = Array.from({ length: 100 }, () => new FakeSocket());
    sockets.forEach((s) => hb.add(s));
    let most = 0;
    for (let t = 0; t < 30; t++) {
      const before = sockets.reduce((n, s) => n + s.pings.length, 0);
      vi.advanceTimersByTime(100);
      sockets.forEach((s) => hb.pong(s));
      most = Math.max(most, sockets.reduce((n, s) => n + s.pings.length, 0) - before);
    }
    expect(most).toBe(10);
    for (const s of sockets) {
      expect(s.pings).toHaveLength(3);
      expect(s.pings[1]! - s.pings[0]!).toBe(1_000);
      expect(s.terminated).toBe(false);
    }
    hb.stop();
  });

  it('terminates a socket that did not answer its previous ping, and only that one', () => {
    const hb = new Heartbeat<FakeSocket>(1_000, 4);
    const [quiet, lively] = [new FakeSocket(), new FakeSocket()];
    hb.add(quiet);
    hb.add(lively);
    for (let t = 0; t < 8; t++) {
      vi.advanceTimersByTime(250);
      hb.pong(lively);
    }
    expect(quiet.pings).toHaveLength(1);
    expect(quiet.terminated).toBe(true);
    expect(lively.terminated).toBe(false);
    expect(lively.pings).toHaveLength(2);
    hb.stop();
  });

  it('forgets a removed socket', () => {
    const hb = new Heartbeat<FakeSocket>(100, 1);
    const s = new FakeSocket();
    hb.add(s);
    hb.remove(s);
    vi.advanceTimersByTime(1_000);
    expect(s.pings).toHaveLength(0);
    hb.stop();
  });
});

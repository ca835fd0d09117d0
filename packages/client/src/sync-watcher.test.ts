import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeFetch, fakeJwt, fakeWebSocketClass, json, progressFrame, view, type FakeSocket } from '../test/fakes.js';
import { Backoff } from './backoff.js';
import { createCanvasSyncClient } from './canvas-sync.client.js';
import type { WatchHandlers } from './watch-events.js';
import type { SyncView } from './types.js';

const NOTIFIER = 'ws://notifier.test/ws';

/** A client with a fake WebSocket class and fetch; `events` records every handler call in order. */
function setup(options: { tokenLifetimeMs?: number; notifierUrl?: string | null; syncs?: Record<string, () => SyncView> } = {}) {
  const ws = fakeWebSocketClass();
  let issued = 0;
  const getToken = vi.fn(() => fakeJwt('u1', Date.now() + (options.tokenLifetimeMs ?? 600_000), String(++issued)));
  const syncs = options.syncs ?? {};
  const { fetch, calls } = fakeFetch({
    'GET /api/v1/syncs': () => json(200, { items: Object.values(syncs).map((f) => f()), nextCursor: null }),
    ...Object.fromEntries(Object.entries(syncs).map(([id, f]) => [`GET /api/v1/syncs/${id}`, () => json(200, f())])),
  });
  const client = createCanvasSyncClient({
    baseUrl: 'http://api.test',
    getToken,
    fetch,
    WebSocket: ws.WebSocket,
    notifierUrl: options.notifierUrl === undefined ? NOTIFIER : options.notifierUrl,
    pollIntervalMs: 2_000,
    tokenRefreshMarginMs: 30_000,
    reconnect: { initialMs: 1_000, maxMs: 30_000, random: () => 0.5 },
  });
  const events: string[] = [];
  const errors: Array<{ status: number; code: string }> = [];
  const handlers: WatchHandlers = {
    onSnapshot: (s) => events.push(`snapshot ${s.id}@${s.seq}`),
    onProgress: (f, s) => events.push(`progress ${f.syncId}@${f.seq} ${s.progress.percent}%`),
    onMilestone: (m, s) => events.push(`milestone ${s.id} ${m}`),
    onFinished: (s) => events.push(`finished ${s.id}`),
    onFailed: (s) => events.push(`failed ${s.id} ${s.error?.code}`),
    onCancelled: (s) => events.push(`cancelled ${s.id}`),
    onConnectionChange: (state) => events.push(`state ${state}`),
    onError: (e) => errors.push({ status: e.status, code: e.code }),
  };
  const tokenOf = (socket: FakeSocket) => socket.sent.find((f) => f.type === 'auth')?.token as string | undefined;
  /** The server side of a good handshake. */
  const handshake = async (socket: FakeSocket) => {
    socket.open();
    expect(socket.sent[0]).toMatchObject({ type: 'auth' });
    socket.frame({ type: 'ready', userId: 'u1' });
    await vi.advanceTimersByTimeAsync(0);
  };
  return { client, sockets: ws.sockets, getToken, calls, events, errors, handlers, handshake, tokenOf };
}

const polls = (calls: Array<{ url: string }>, path: string) => calls.filter((c) => c.url === path).length;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(new Date('2026-12-06T12:00:00Z'));
});
afterEach(() => vi.useRealTimers());

describe('Backoff', () => {
  it('doubles to the cap, with half of each delay random', () => {
    const low = new Backoff({ initialMs: 1_000, maxMs: 8_000, random: () => 0 });
    expect([1, 2, 3, 4, 5].map(() => low.next())).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    const high = new Backoff({ initialMs: 1_000, maxMs: 8_000, random: () => 0.999 });
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([1_000, 1_999, 3_998, 7_996, 7_996]);
    high.reset();
    expect(high.next()).toBe(1_000);
  });
});

describe('watchSyncs / watchSync', () => {
  it('reconnects with exponential back-off and jitter, and starts over after a good connection', async () => {
    const t = setup();
    const watch = t.client.watchSyncs(t.handlers);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.sockets).toHaveLength(1);
    expect(t.sockets[0]!.url).toBe(NOTIFIER);
    for (const [i, delay] of [750, 1_500, 3_000, 6_000].entries()) {
      t.sockets[i]!.drop(1006);
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(t.sockets).toHaveLength(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(t.sockets).toHaveLength(i + 2);
    }
    await t.handshake(t.sockets[4]!);
    expect(watch.state).toBe('live');
    expect(t.sockets[4]!.sent.slice(1)).toEqual([{ type: 'subscribe' }]);
    t.sockets[4]!.drop(1001);
    await vi.advanceTimersByTimeAsync(750);
    expect(t.sockets).toHaveLength(6);
    // A socket that never answers `ready` is given up after 10 s and counts as a failure.
    t.sockets[5]!.open();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.sockets[5]!.closedByClient).toBeDefined();
    watch.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.sockets).toHaveLength(6);
    expect(t.events.filter((e) => e.startsWith('state'))).toEqual(['state polling', 'state live', 'state polling', 'state closed']);
  });

  it('drops stale and repeated frames by seq, across reconnect snapshots', async () => {
    const t = setup();
    t.client.watchSyncs(t.handlers);
    await vi.advanceTimersByTimeAsync(0);
    await t.handshake(t.sockets[0]!);
    const s = t.sockets[0]!;
    s.frame({ type: 'snapshot', sync: view('a', 3, { progress: { done: 10, total: 100, percent: 10 } }) });
    s.frame(progressFrame('a', 4, 20));
    s.frame(progressFrame('a', 4, 20)); // repeated
    s.frame(progressFrame('a', 2, 5)); // stale
    s.frame({ type: 'snapshot', sync: view('a', 3) }); // an older snapshot (a lagging replica)
    s.drop(1006);
    await vi.advanceTimersByTimeAsync(750);
    const again = t.sockets[1]!;
    await t.handshake(again);
    again.frame({ type: 'snapshot', sync: view('a', 4, { progress: { done: 20, total: 100, percent: 20 } }) }); // what we already have
    again.frame(progressFrame('a', 4, 20));
    again.frame(progressFrame('a', 5, 30));
    again.frame('not json');
    again.frame({ type: 'progress' });
    expect(t.events.filter((e) => !e.startsWith('state'))).toEqual(['snapshot a@3', 'progress a@4 20%', 'progress a@5 30%', 'milestone a 25']);
  });

  it('on 4401 asks for a new token and resumes; a fresh token refused too ends the watch with unauthenticated', async () => {
    const t = setup();
    const watch = t.client.watchSync('a', t.handlers);
    await vi.advanceTimersByTimeAsync(0);
    await t.handshake(t.sockets[0]!);
    expect(t.sockets[0]!.sent.slice(1)).toEqual([{ type: 'subscribe', syncId: 'a' }]);
    t.sockets[0]!.frame({ type: 'snapshot', sync: view('a', 1) });
    t.sockets[0]!.drop(4401);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.getToken).toHaveBeenCalledTimes(2);
    expect(t.sockets).toHaveLength(2); // at once, no back-off
    expect(t.tokenOf(t.sockets[1]!)).toBeUndefined();
    await t.handshake(t.sockets[1]!);
    expect(t.tokenOf(t.sockets[1]!)).not.toBe(t.tokenOf(t.sockets[0]!));
    expect(t.sockets[1]!.sent.slice(1)).toEqual([{ type: 'subscribe', syncId: 'a' }]);
    t.sockets[1]!.frame(progressFrame('a', 2, 40));
    expect(watch.get('a')?.seq).toBe(2);
    expect(t.errors).toEqual([]);
    // The socket was good; its token later expires: one more renewal is fine.
    t.sockets[1]!.drop(4401);
    await vi.advanceTimersByTimeAsync(0);
    t.sockets[2]!.open();
    t.sockets[2]!.drop(4401); // the fresh token is refused too
    await vi.advanceTimersByTimeAsync(0);
    expect(t.errors).toEqual([{ status: 401, code: 'unauthenticated' }]);
    expect(watch.state).toBe('closed');
    expect(t.sockets).toHaveLength(3);
  });

  it('polls GET /syncs/:id while the socket is down, stops when it is back, and ends at a terminal status', async () => {
    let current = view('a', 1, { progress: { done: 10, total: 100, percent: 10 } });
    const t = setup({ syncs: { a: () => current } });
    const watch = t.client.watchSync('a', t.handlers);
    await vi.advanceTimersByTimeAsync(0);
    t.sockets[0]!.drop(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.state).toBe('polling');
    expect(polls(t.calls, '/api/v1/syncs/a')).toBe(1);
    current = view('a', 2, { progress: { done: 30, total: 100, percent: 30 } });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(polls(t.calls, '/api/v1/syncs/a')).toBe(2);
    // The back-off (750 ms, then 1.5 s) brings the socket back; polling stops.
    t.sockets[1]!.drop(1006);
    await vi.advanceTimersByTimeAsync(1_500);
    await t.handshake(t.sockets[2]!);
    expect(watch.state).toBe('live');
    const before = polls(t.calls, '/api/v1/syncs/a');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(polls(t.calls, '/api/v1/syncs/a')).toBe(before);
    // Down again; the poll sees the end, reports it once and the watch stops (no more polls, no sockets).
    t.sockets[2]!.drop(1006);
    current = view('a', 9, { status: 'completed', phase: 'done', progress: { done: 100, total: 100, percent: 100 }, finishedAt: '2026-12-06T12:01:00.000Z' });
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.state).toBe('closed');
    const sockets = t.sockets.length;
    const after = polls(t.calls, '/api/v1/syncs/a');
    await vi.advanceTimersByTimeAsync(120_000);
    expect([t.sockets.length, polls(t.calls, '/api/v1/syncs/a')]).toEqual([sockets, after]);
    expect(t.events.filter((e) => !e.startsWith('state'))).toEqual(['snapshot a@1', 'snapshot a@2', 'milestone a 25', 'snapshot a@9', 'finished a']);
  });

  it('polls only, with no notifier URL or no WebSocket class', async () => {
    const t = setup({ notifierUrl: null, syncs: { a: () => view('a', 1) } });
    const watch = t.client.watchSyncs(t.handlers);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(watch.state).toBe('polling');
    expect(t.sockets).toHaveLength(0);
    expect(polls(t.calls, '/api/v1/syncs?limit=10')).toBe(3);
    expect(t.events.filter((e) => e.startsWith('snapshot'))).toEqual(['snapshot a@1']);
    watch.close();
  });

  it('renews the token before it expires on a new socket, then closes the old one', async () => {
    const t = setup({ tokenLifetimeMs: 60_000 });
    const watch = t.client.watchSyncs(t.handlers);
    await vi.advanceTimersByTimeAsync(0);
    await t.handshake(t.sockets[0]!);
    t.sockets[0]!.frame({ type: 'snapshot', sync: view('a', 1) });
    // 60 s token, 30 s margin: renewed at 30 s.
    await vi.advanceTimersByTimeAsync(29_000);
    expect(t.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.sockets).toHaveLength(2);
    expect(t.getToken).toHaveBeenCalledTimes(2);
    // The old socket still delivers until the new one is ready.
    t.sockets[0]!.frame(progressFrame('a', 2, 50));
    await t.handshake(t.sockets[1]!);
    expect(t.tokenOf(t.sockets[1]!)).not.toBe(t.tokenOf(t.sockets[0]!));
    expect(t.sockets[0]!.closedByClient?.code).toBe(1000);
    t.sockets[1]!.frame({ type: 'snapshot', sync: view('a', 2, { progress: { done: 50, total: 100, percent: 50 } }) });
    t.sockets[1]!.frame(progressFrame('a', 3, 60));
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.state).toBe('live');
    expect(t.events).toEqual(['state live', 'snapshot a@1', 'progress a@2 50%', 'milestone a 25', 'milestone a 50', 'progress a@3 60%']);
    // And again 30 s later, from the new token.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.sockets).toHaveLength(3);
    watch.close();
  });

  it('a socket that comes up on a token already due renews within half the life left, not after it', async () => {
    // CI's flake of client.int.test.ts: a 4 s token is due at 2 s; a socket ready at 3 s used to
    // wait the 1 s minimum and open its renewal at exp, after the notifier's 4401.
    const t = setup({ tokenLifetimeMs: 4_000 });
    const watch = t.client.watchSyncs(t.handlers);
    await vi.advanceTimersByTimeAsync(3_000);
    await t.handshake(t.sockets[0]!);
    await vi.advanceTimersByTimeAsync(499);
    expect(t.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sockets).toHaveLength(2);
    await t.handshake(t.sockets[1]!);
    expect(t.sockets[0]!.closedByClient?.code).toBe(1000);
    expect(watch.state).toBe('live');
    expect(t.events).toEqual(['state live']);
    watch.close();
  });

  it('renews when its timer fires a millisecond before the token is due (timers and Date.now are different clocks)', async () => {
    // CI's flake of client.int.test.ts: Node runs timers on the event loop's clock, whole ms cached
    // at the start of the loop turn, so a renewal timer can fire just before Date.now() reaches the
    // token's refresh time. The token source then still handed out the socket's own token, the
    // renewal gave up as if the provider had nothing newer, and the notifier closed the socket at exp.
    const t = setup({ tokenLifetimeMs: 60_000 });
    const fakeSetTimeout = globalThis.setTimeout;
    const early = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms = 0) => fakeSetTimeout(fn, Math.max(0, ms - 1))) as typeof setTimeout);
    try {
      const watch = t.client.watchSyncs(t.handlers);
      await vi.advanceTimersByTimeAsync(0);
      await t.handshake(t.sockets[0]!);
      // 60 s token, 30 s margin: due at 30 s; the timer fires at 29.999 s.
      await vi.advanceTimersByTimeAsync(29_999);
      expect(t.sockets).toHaveLength(2);
      await t.handshake(t.sockets[1]!);
      expect(t.tokenOf(t.sockets[1]!)).not.toBe(t.tokenOf(t.sockets[0]!));
      expect(t.sockets[0]!.closedByClient?.code).toBe(1000);
      expect(t.events).toEqual(['state live']);
      watch.close();
    } finally {
      early.mockRestore();
    }
  });

  it('renews from the token its socket authenticated with, not a newer one the token source got meanwhile', async () => {
    // Watches and requests share one token source. A socket that reconnects on token A just before
    // A is due, while a poll or another watch fetches token B, used to schedule its renewal by B's
    // refresh time, after A's exp: the notifier closed it with 4401.
    const t = setup({ tokenLifetimeMs: 60_000, syncs: { a: () => view('a', 1) } });
    const watch = t.client.watchSyncs(t.handlers);
    await vi.advanceTimersByTimeAsync(0);
    await t.handshake(t.sockets[0]!);
    await vi.advanceTimersByTimeAsync(29_000);
    t.sockets[0]!.drop(1006);
    await vi.advanceTimersByTimeAsync(750); // the back-off: a new socket on the cached token A
    expect(t.sockets).toHaveLength(2);
    const a = t.tokenOf(t.sockets[0]!);
    await vi.advanceTimersByTimeAsync(500);
    await t.client.getSync('a'); // A is due now: this request fetches B
    expect(t.getToken).toHaveBeenCalledTimes(2);
    await t.handshake(t.sockets[1]!);
    expect(t.tokenOf(t.sockets[1]!)).toBe(a);
    // A expires at 60 s (B at 60.125 s): the socket on A is renewed now, after the 1 s minimum.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.sockets).toHaveLength(3);
    await t.handshake(t.sockets[2]!);
    expect(t.tokenOf(t.sockets[2]!)).not.toBe(a);
    expect(t.sockets[1]!.closedByClient?.code).toBe(1000);
    expect(t.events.filter((e) => e.startsWith('state'))).toEqual(['state live', 'state polling', 'state live']);
    watch.close();
  });

  it('reports a sync that is not the user\'s as not_found and stops', async () => {
    const t = setup();
    const watch = t.client.watchSync('b', t.handlers);
    await vi.advanceTimersByTimeAsync(0);
    await t.handshake(t.sockets[0]!);
    t.sockets[0]!.frame({ type: 'error', code: 'not_found', message: 'No such sync.', syncId: 'b' });
    expect(t.errors).toEqual([{ status: 404, code: 'not_found' }]);
    expect(watch.state).toBe('closed');
  });

  it('reads a sync first seen in a progress frame, and reports failed and cancelled ends once', async () => {
    const t = setup({ syncs: { c: () => view('c', 5, { progress: { done: 60, total: 100, percent: 60 } }) } });
    t.client.watchSyncs(t.handlers);
    await vi.advanceTimersByTimeAsync(0);
    await t.handshake(t.sockets[0]!);
    const s = t.sockets[0]!;
    s.frame(progressFrame('c', 5, 60));
    await vi.advanceTimersByTimeAsync(0);
    s.frame({ ...progressFrame('c', 6, 60, 'failed'), error: { code: 'canvas_token_invalid', message: 'Save a new token.' } });
    s.frame({ ...progressFrame('c', 6, 60, 'failed'), error: { code: 'canvas_token_invalid', message: 'Save a new token.' } });
    s.frame({ type: 'snapshot', sync: view('d', 3, { status: 'cancelled' }) }); // history: not an end seen live
    s.frame({ type: 'snapshot', sync: view('e', 1) });
    s.frame(progressFrame('e', 2, 10, 'cancelled'));
    expect(t.events.filter((e) => !e.startsWith('state'))).toEqual([
      'snapshot c@5',
      'progress c@6 60%',
      'failed c canvas_token_invalid',
      'snapshot d@3',
      'snapshot e@1',
      'progress e@2 10%',
      'cancelled e',
    ]);
  });
  it('follows one more sync on the socket and in polls; a watch closed while connecting stays closed', async () => {
    const t = setup({ syncs: { a: () => view('a', 1), z: () => view('z', 7, { status: 'completed' }) } });
    const watch = t.client.watchSyncs(t.handlers);
    await vi.advanceTimersByTimeAsync(0);
    await t.handshake(t.sockets[0]!);
    watch.follow('z');
    expect(t.sockets[0]!.sent.slice(1)).toEqual([{ type: 'subscribe' }, { type: 'subscribe', syncId: 'z' }]);
    t.sockets[0]!.drop(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(polls(t.calls, '/api/v1/syncs?limit=10')).toBe(1);
    watch.close();
    // Closed before the config was even read: nothing opens, nothing polls, no state after closed.
    const late = t.client.watchSync('a', t.handlers);
    late.close();
    const sockets = t.sockets.length;
    const calls = t.calls.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect([t.sockets.length, t.calls.length, late.state]).toEqual([sockets, calls, 'closed']);
    expect(t.events.at(-1)).toBe('state closed');
  });

  it('reports a watched sync found already finished once, and closes', async () => {
    const t = setup();
    const watch = t.client.watchSync('z', t.handlers);
    await vi.advanceTimersByTimeAsync(0);
    await t.handshake(t.sockets[0]!);
    t.sockets[0]!.frame({ type: 'snapshot', sync: view('z', 7, { status: 'completed', progress: { done: 100, total: 100, percent: 100 } }) });
    expect(t.events).toEqual(['state live', 'snapshot z@7', 'finished z', 'state closed']);
    expect(watch.state).toBe('closed');
    expect(t.sockets[0]!.closedByClient?.code).toBe(1000);
  });
});

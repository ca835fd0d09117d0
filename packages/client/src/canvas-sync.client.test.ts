import { describe, expect, it } from 'vitest';
import { fakeFetch, fakeJwt, json, view } from '../test/fakes.js';
import { createCanvasSyncClient } from './canvas-sync.client.js';
import { CanvasSyncError, isCanvasSyncError } from './errors.js';

const tokens = () => {
  let n = 0;
  return { get: () => fakeJwt('u1', Date.now() + 600_000, String(++n)), count: () => n };
};

describe('CanvasSyncClient over HTTP', () => {
  it('sends the bearer token and typed bodies, builds queries, and reads 204 as undefined', async () => {
    const t = tokens();
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/syncs': () => json(202, { id: 's1', status: 'queued' }),
      'GET /api/v1/syncs': (call) => json(200, { items: [view('s1', 1)], nextCursor: call.url.includes('cursor=') ? null : 'c2' }),
      'PUT /api/v1/canvas/connection': () => new Response(null, { status: 204 }),
      'GET /api/v1/canvas/courses': () => json(200, { items: [], truncated: false }),
    });
    const client = createCanvasSyncClient({ baseUrl: 'https://sync.example.edu/', getToken: t.get, fetch });
    expect(await client.startSync({ scope: { type: 'course', courseId: 7 }, mode: 'full' })).toEqual({ id: 's1', status: 'queued' });
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/syncs', body: { scope: { type: 'course', courseId: 7 }, mode: 'full' } });
    expect(calls[0]!.authorization).toMatch(/^Bearer ey/);
    expect(await client.putConnection({ baseUrl: 'https://canvas.example.edu', accessToken: 'x' })).toBeUndefined();
    await client.listCourses({ termId: 3 });
    expect(calls.at(-1)!.url).toBe('/api/v1/canvas/courses?termId=3');
    const all = [];
    for await (const sync of client.iterateSyncs(5)) all.push(sync.id);
    expect(all).toEqual(['s1', 's1']);
    expect(calls.slice(-2).map((c) => c.url)).toEqual(['/api/v1/syncs?limit=5', '/api/v1/syncs?limit=5&cursor=c2']);
    expect(t.count()).toBe(1);
  });

  it('maps {error:{code,message}} answers to CanvasSyncError with the whole body', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/syncs': () => json(409, { error: { code: 'sync_in_progress', message: 'A sync is running.' }, syncId: 's0' }),
    });
    const client = createCanvasSyncClient({ getToken: tokens().get, fetch });
    const err = await client.startSync({ scope: { type: 'all' }, mode: 'full' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CanvasSyncError);
    expect(err).toMatchObject({ status: 409, code: 'sync_in_progress', message: 'A sync is running.', body: { syncId: 's0' } });
    expect(isCanvasSyncError(err, 'sync_in_progress')).toBe(true);
    await expect(client.getSync('nope')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    const broken = createCanvasSyncClient({ getToken: tokens().get, fetch: async () => new Response('<html>', { status: 502 }) });
    await expect(broken.getSync('x')).rejects.toMatchObject({ status: 502, code: 'http_502' });
    const offline = createCanvasSyncClient({ getToken: tokens().get, fetch: async () => Promise.reject(new TypeError('failed to fetch')) });
    await expect(offline.getSync('x')).rejects.toMatchObject({ status: 0, code: 'network_error' });
    const notJson = createCanvasSyncClient({ getToken: tokens().get, fetch: async () => new Response('ok', { status: 200 }) });
    await expect(notJson.getSync('x')).rejects.toMatchObject({ status: 200, code: 'bad_answer' });
  });

  it('on a 401 asks for a new token once and repeats the request once', async () => {
    const t = tokens();
    let refusals = 1;
    const { fetch, calls } = fakeFetch({
      'GET /api/v1/canvas/connection': () => (refusals-- > 0 ? json(401, { error: { code: 'unauthenticated', message: 'expired' } }) : json(200, { baseUrl: null, connected: false })),
    });
    const client = createCanvasSyncClient({ getToken: t.get, fetch });
    expect(await client.getConnection()).toEqual({ baseUrl: null, connected: false });
    expect(calls).toHaveLength(2);
    expect(calls[0]!.authorization).not.toBe(calls[1]!.authorization);
    expect(t.count()).toBe(2);
    // Refused with the fresh token too: the 401 is the caller's, after exactly one retry.
    refusals = 5;
    await expect(client.getConnection()).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(calls).toHaveLength(4);
    expect(t.count()).toBe(3);
  });

  it('asks for a new token shortly before the held one expires, not per request', async () => {
    let now = Date.now();
    let n = 0;
    const provider = () => fakeJwt('u1', now + 60_000, String(++n));
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const { fetch, calls } = fakeFetch({ 'GET /api/v1/canvas/terms': () => json(200, { items: [], truncated: false }) });
      const client = createCanvasSyncClient({ getToken: provider, fetch, tokenRefreshMarginMs: 10_000 });
      await client.listTerms();
      now += 45_000;
      await client.listTerms();
      expect(n).toBe(1);
      now += 6_000; // 9 s before exp: inside the margin
      await client.listTerms();
      expect(n).toBe(2);
      expect(calls[1]!.authorization).toBe(calls[0]!.authorization);
      expect(calls[2]!.authorization).not.toBe(calls[1]!.authorization);
    } finally {
      Date.now = realNow;
    }
  });

  it('does not send a token to /api/v1/config', async () => {
    const { fetch, calls } = fakeFetch({ 'GET /api/v1/config': () => json(200, { notifierUrl: 'ws://n/ws', pollIntervalMs: 2000 }) });
    const client = createCanvasSyncClient({ getToken: () => Promise.reject(new Error('never asked')), fetch });
    expect(await client.getConfig()).toEqual({ notifierUrl: 'ws://n/ws', pollIntervalMs: 2000 });
    expect(calls[0]!.authorization).toBeUndefined();
  });
  it('gives up a request that gets no answer with CanvasSyncError timeout', async () => {
    const hanging = (_input: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const client = createCanvasSyncClient({ getToken: tokens().get, fetch: hanging, requestTimeoutMs: 50 });
    await expect(client.getSync('x')).rejects.toMatchObject({ status: 0, code: 'timeout' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

const METHODS_AND_ROUTES: Array<{ method: 'GET' | 'POST' | 'PUT'; url: (p: string) => string; body: boolean }> = [
  { method: 'PUT', url: () => '/api/v1/canvas/connection', body: true },
  { method: 'GET', url: () => '/api/v1/canvas/connection', body: false },
  { method: 'POST', url: () => '/api/v1/canvas/connection/test', body: true },
  { method: 'POST', url: () => '/api/v1/syncs', body: true },
  { method: 'GET', url: (p) => `/api/v1/syncs?limit=${p}&cursor=${p}`, body: false },
  { method: 'GET', url: (p) => `/api/v1/syncs/${p}`, body: false },
  { method: 'POST', url: (p) => `/api/v1/syncs/${p}/cancel`, body: true },
  { method: 'POST', url: (p) => `/api/v1/syncs/${p}/resume`, body: true },
  { method: 'GET', url: () => '/api/v1/canvas/terms', body: false },
  { method: 'GET', url: (p) => `/api/v1/canvas/courses?termId=${p}`, body: false },
];

/** Bodies a hostile or broken client sends: random JSON, near-miss sync requests, raw text. */
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.record({ scope: fc.oneof(fc.record({ type: fc.constantFrom('all', 'term', 'course', 'x') }), fc.jsonValue()), mode: fc.jsonValue(), chunkSize: fc.jsonValue(), dryRun: fc.jsonValue() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ baseUrl: fc.oneof(fc.webUrl(), fc.string()), accessToken: fc.oneof(fc.string(), fc.jsonValue()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
);
const param = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), fc.integer().map(String), fc.constantFrom('', '..%2F..', '%00', '%E0%A4%A', '1e309', '-1', 'null')).map((s) => encodeURIComponent(s));

/**
 * Property-based companion of auth-and-input.int.test.ts (which lists known-bad bodies): random
 * bodies, parameters and query strings on every /api route never get a 500, and every error
 * answer is `{error:{code,message}}` with a code from the registry.
 */
describe('api: random hostile input never gets a 500', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ rateLimitPerMinute: 1_000_000, resolve: async () => ['93.184.216.34'], canvasSelf: async () => ({ ok: false, error: { code: 'unreachable', message: 'fake' } }) });
  });
  afterAll(async () => h?.close());

  it('every route, 300 random requests', { timeout: 120_000 }, async () => {
    const auth = await h.auth('fuzz-user');
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS_AND_ROUTES), param, body, fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8'), async (route, p, payload, contentType) => {
        const res = await h.app.inject({
          method: route.method,
          url: route.url(p),
          headers: { ...auth, ...(route.body ? { 'content-type': contentType } : {}) },
          ...(route.body ? { payload } : {}),
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode, `${route.method} ${route.url(p)} ${payload} → ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.json()).toMatchObject({ error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) } });
      }),
      { numRuns: 300 },
    );
    // The run exercised refusals, not only one happy path.
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
  });
});

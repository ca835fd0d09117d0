import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { JWT_SECRET, startApiHarness, type ApiHarness } from './support/api-harness.js';

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('JWT authentication', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => h.close());

  const get = (authorization?: string) =>
    h.app.inject({ method: 'GET', url: '/api/v1/canvas/connection', headers: authorization === undefined ? {} : { authorization } });
  const expect401 = async (authorization?: string) => {
    const res = await get(authorization);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    return res;
  };

  it('accepts a valid HS256 token', async () => {
    const res = await get(`Bearer ${await h.token('u1')}`);
    expect(res.statusCode).toBe(200);
  });

  it('refuses a missing or malformed Authorization header', async () => {
    await expect401();
    await expect401('');
    await expect401('Basic dXNlcjpwdw==');
    await expect401('Bearer');
    await expect401(`Bearer ${'a'.repeat(9000)}`);
  });

  it('refuses a tampered token (payload changed, signature kept)', async () => {
    const [header, , signature] = (await h.token('u1')).split('.');
    const forged = `${header}.${b64url({ sub: 'admin', exp: now() + 600 })}.${signature}`;
    await expect401(`Bearer ${forged}`);
  });

  it('refuses a token signed with another secret', async () => {
    await expect401(`Bearer ${await h.token('u1', { secret: 'another-secret-another-secret-xx' })}`);
  });

  it('refuses an expired token, beyond the clock skew', async () => {
    const res = await expect401(`Bearer ${await h.token('u1', { expiresIn: now() - 120 })}`);
    expect(res.json().error.message).toContain('expired');
  });

  it('accepts a token that expired within the clock skew, refuses one not valid yet', async () => {
    expect((await get(`Bearer ${await h.token('u1', { expiresIn: now() - 5 })}`)).statusCode).toBe(200);
    await expect401(`Bearer ${await h.token('u1', { notBefore: now() + 600 })}`);
  });

  it('refuses alg:none', async () => {
    await expect401(`Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'u1', exp: now() + 600 })}.`);
  });

  it('refuses HS512 when HS256 is configured, even with the right secret', async () => {
    await expect401(`Bearer ${await h.token('u1', { alg: 'HS512' })}`);
  });

  it('refuses a token without exp or without sub', async () => {
    const key = new TextEncoder().encode(JWT_SECRET);
    await expect401(`Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').sign(key)}`);
    await expect401(`Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(key)}`);
  });

  it('guards every /api route', async () => {
    const routes = [
      ['PUT', '/api/v1/canvas/connection'],
      ['GET', '/api/v1/canvas/connection'],
      ['POST', '/api/v1/canvas/connection/test'],
      ['POST', '/api/v1/syncs'],
      ['GET', '/api/v1/syncs'],
      ['GET', '/api/v1/syncs/8d5f7d2e-62a2-4a43-9e4b-5a0f7f3d9c11'],
      ['POST', '/api/v1/syncs/8d5f7d2e-62a2-4a43-9e4b-5a0f7f3d9c11/cancel'],
      ['POST', '/api/v1/syncs/8d5f7d2e-62a2-4a43-9e4b-5a0f7f3d9c11/resume'],
      ['GET', '/api/v1/canvas/terms'],
      ['GET', '/api/v1/canvas/courses'],
      ['GET', '/api/v1/canvas/oauth/options'],
      ['GET', '/api/v1/canvas/changes'],
      ['GET', '/api/v1/schedule'],
      ['PUT', '/api/v1/schedule'],
      ['DELETE', '/api/v1/schedule'],
    ] as const;
    for (const [method, url] of routes) {
      const res = await h.app.inject({ method, url, payload: method === 'GET' ? undefined : { any: 'thing' } });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
    }
  });
});

describe('JWT issuer and audience, when configured', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ auth: { secret: JWT_SECRET, issuer: 'host-app', audience: 'canvas-sync' } });
  });
  afterAll(async () => h.close());

  const sign = (claims: { iss?: string; aud?: string }) => {
    let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setExpirationTime('5m');
    if (claims.iss) jwt = jwt.setIssuer(claims.iss);
    if (claims.aud) jwt = jwt.setAudience(claims.aud);
    return jwt.sign(new TextEncoder().encode(JWT_SECRET));
  };
  const status = async (claims: { iss?: string; aud?: string }) =>
    (await h.app.inject({ method: 'GET', url: '/api/v1/syncs', headers: { authorization: `Bearer ${await sign(claims)}` } })).statusCode;

  it('requires both to match', async () => {
    expect(await status({ iss: 'host-app', aud: 'canvas-sync' })).toBe(200);
    expect(await status({ iss: 'someone-else', aud: 'canvas-sync' })).toBe(401);
    expect(await status({ iss: 'host-app', aud: 'other' })).toBe(401);
    expect(await status({})).toBe(401);
  });
});

describe('hostile and malformed input', () => {
  let h: ApiHarness;
  let auth: { authorization: string };
  beforeAll(async () => {
    h = await startApiHarness();
    auth = await h.auth('u-input');
    await h.app.inject({ method: 'PUT', url: '/api/v1/canvas/connection', headers: auth, payload: { baseUrl: 'http://127.0.0.1:9', accessToken: 'tok' } });
  });
  afterAll(async () => h.close());

  const postSync = (payload: string, contentType = 'application/json') =>
    h.app.inject({ method: 'POST', url: '/api/v1/syncs', headers: { ...auth, 'content-type': contentType }, payload });

  it.each([
    ['{"scope":', 'bad_json'],
    ['{"scope":{"type":"all"},"mode":"full",}', 'bad_json'],
    ['{"__proto__":{"admin":true},"scope":{"type":"all"},"mode":"full"}', 'bad_json'],
    ['null', 'validation_failed'],
    ['[]', 'validation_failed'],
    ['"text"', 'validation_failed'],
    ['{}', 'validation_failed'],
    ['{"scope":{"type":"all"},"mode":"fast"}', 'validation_failed'],
    ['{"scope":{"type":"everything"},"mode":"full"}', 'validation_failed'],
    ['{"scope":{"type":"term"},"mode":"full"}', 'validation_failed'],
    ['{"scope":{"type":"term","termId":"7"},"mode":"full"}', 'validation_failed'],
    ['{"scope":{"type":"course","courseId":-1},"mode":"full"}', 'validation_failed'],
    ['{"scope":{"type":"course","courseId":1e300},"mode":"full"}', 'validation_failed'],
    ['{"scope":{"type":"all","extra":1},"mode":"full"}', 'validation_failed'],
    ['{"scope":{"type":"all"},"mode":"full","dryRun":"yes"}', 'validation_failed'],
    ['{"scope":{"type":"all"},"mode":"full","chunkSize":4}', 'validation_failed'],
    ['{"scope":{"type":"all"},"mode":"full","chunkSize":51}', 'validation_failed'],
    ['{"scope":{"type":"all"},"mode":"full","chunkSize":10.5}', 'validation_failed'],
    ['{"scope":{"type":"all"},"mode":"full","chunksize":10}', 'validation_failed'],
  ])('POST /syncs %s → 400 %s', async (payload, code) => {
    const res = await postSync(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('names the field in a validation message', async () => {
    const res = await postSync('{"scope":{"type":"all"},"mode":"full","chunkSize":51}');
    expect(res.json().error.message).toContain('chunkSize');
  });

  it('413 payload_too_large over 1 MiB, 415 for a non-JSON content type', async () => {
    const big = await postSync(JSON.stringify({ scope: { type: 'all' }, mode: 'full', pad: 'x'.repeat(1024 * 1024 + 10) }));
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
    const text = await postSync('scope=all', 'text/plain');
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('unsupported_media_type');
  });

  it('takes an empty JSON body on a bodiless POST (browsers send the header anyway)', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/syncs/8d5f7d2e-62a2-4a43-9e4b-5a0f7f3d9c11/cancel', headers: { ...auth, 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('chunkSize 5 and 50 are accepted; defaults apply', async () => {
    const first = await postSync('{"scope":{"type":"all"},"mode":"full","chunkSize":5}');
    expect(first.statusCode).toBe(202);
    await h.database.db.updateTable('syncs').set({ status: 'completed' }).where('id', '=', first.json().id).execute();
    const second = await postSync('{"scope":{"type":"course","courseId":12},"mode":"incremental","chunkSize":50}');
    expect(second.statusCode).toBe(202);
    await h.database.db.updateTable('syncs').set({ status: 'completed' }).where('id', '=', second.json().id).execute();
    const third = await postSync('{"scope":{"type":"all"},"mode":"full"}');
    const row = await h.database.db.selectFrom('syncs').selectAll().where('id', '=', third.json().id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ chunk_size: 10, dry_run: false });
  });

  it('unknown routes are 404 not_found in the error shape', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('bad query strings are 400, never 500', async () => {
    for (const url of ['/api/v1/canvas/courses?termId=abc', '/api/v1/canvas/courses?termId=-1', '/api/v1/canvas/courses?termId=99999999999999999999', '/api/v1/canvas/courses?foo=1']) {
      const res = await h.app.inject({ method: 'GET', url, headers: auth });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
  });

  it('logs carry no bearer token', async () => {
    expect(h.logLines.join('\n')).not.toContain(auth.authorization.slice(7));
  });
});

describe('documentation and health', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => h.close());

  it('serves an OpenAPI document with every /api route and the bearer scheme', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/canvas/changes',
      '/api/v1/canvas/connection',
      '/api/v1/canvas/connection/test',
      '/api/v1/canvas/courses',
      '/api/v1/canvas/data',
      '/api/v1/canvas/oauth/callback',
      '/api/v1/canvas/oauth/options',
      '/api/v1/canvas/oauth/start',
      '/api/v1/canvas/terms',
      '/api/v1/schedule',
      '/api/v1/syncs',
      '/api/v1/syncs/{id}',
      '/api/v1/syncs/{id}/cancel',
      '/api/v1/syncs/{id}/resume',
    ]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/v1/syncs'].post.requestBody).toBeDefined();
  });

  it('serves health without auth, and records metrics it does not serve on the public port', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await h.app.inject({ method: 'GET', url: '/api/v1/syncs' });
    // /metrics lives on METRICS_PORT (operators only), never on the public port.
    expect((await h.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    const metrics = (await h.metrics.scrape()).body;
    expect(metrics).toContain('canvas_sync_http_request_duration_seconds_bucket');
    expect(metrics).toContain('canvas_sync_syncs_total');
    expect(metrics).toContain('route="/api/v1/syncs"');
  });

  it('answers /api with Cache-Control: no-store and no CORS headers by default', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/syncs', headers: { ...(await h.auth('u1')), origin: 'https://evil.example.com' } });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS, when origins are configured', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ corsOrigins: ['https://app.example.com'] });
  });
  afterAll(async () => h.close());

  it('allows the configured origin only', async () => {
    const preflight = { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' };
    const ok = await h.app.inject({ method: 'OPTIONS', url: '/api/v1/syncs', headers: { origin: 'https://app.example.com', ...preflight } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const bad = await h.app.inject({ method: 'OPTIONS', url: '/api/v1/syncs', headers: { origin: 'https://evil.example.com', ...preflight } });
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('per-user rate limit', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ rateLimitPerMinute: 3 });
  });
  afterAll(async () => h.close());

  it('answers 429 rate_limited past the limit, for that user only', async () => {
    const noisy = await h.auth('u-noisy');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.app.inject({ method: 'GET', url: '/api/v1/syncs', headers: noisy })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await h.app.inject({ method: 'GET', url: '/api/v1/syncs', headers: noisy });
    expect(limited.json()).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
    expect(limited.headers['retry-after']).toBeDefined();
    const quiet = await h.app.inject({ method: 'GET', url: '/api/v1/syncs', headers: await h.auth('u-quiet') });
    expect(quiet.statusCode).toBe(200);
  });
});

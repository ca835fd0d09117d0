import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@canvas-sync/testkit';
import { createCanvasSelfClient } from '../src/canvas/canvas-self.client.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';
import { startFakeCanvas, type FakeCanvas } from './support/fake-canvas.js';

const SECRET_TOKEN = '7~SecretCanvasTokenThatMustNeverLeak0123456789';

describe('Canvas connection', () => {
  let h: ApiHarness;
  let canvas: FakeCanvas;
  beforeAll(async () => {
    canvas = await startFakeCanvas();
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h.close();
    await canvas.close();
  });

  const put = async (userId: string, body: unknown) =>
    h.app.inject({ method: 'PUT', url: '/api/v1/canvas/connection', headers: await h.auth(userId), payload: body as object });
  const test = async (userId: string) => h.app.inject({ method: 'POST', url: '/api/v1/canvas/connection/test', headers: await h.auth(userId) });

  it('answers connected:false before anything is saved', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/canvas/connection', headers: await h.auth('u-none') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ baseUrl: null, connected: false });
  });

  it('saves the token encrypted, normalises the URL, and never answers the token', async () => {
    const saved = await put('u-save', { baseUrl: `${canvas.url}/some/path?x=1`, accessToken: SECRET_TOKEN });
    expect(saved.statusCode).toBe(204);
    expect(saved.body).toBe('');

    const got = await h.app.inject({ method: 'GET', url: '/api/v1/canvas/connection', headers: await h.auth('u-save') });
    expect(got.json()).toEqual({ baseUrl: canvas.url, connected: true, authType: 'token', status: 'ok' });
    expect(got.body).not.toContain(SECRET_TOKEN);

    const row = await h.database.db.selectFrom('connections').selectAll().where('user_id', '=', 'u-save').executeTakeFirstOrThrow();
    expect(row.token_key_id).toBe('k-test');
    expect(row.token_ciphertext).not.toContain(SECRET_TOKEN);
    expect(Buffer.from(row.token_ciphertext!, 'base64').toString('latin1')).not.toContain(SECRET_TOKEN);
    expect(h.cipher.decrypt(row.token_ciphertext!, row.token_key_id!, 'u-save')).toBe(SECRET_TOKEN);
    // Bound to the user: another user's row cannot reuse the ciphertext.
    expect(() => h.cipher.decrypt(row.token_ciphertext!, row.token_key_id!, 'u-other')).toThrow();

    expect(h.logLines.join('\n')).not.toContain(SECRET_TOKEN);
  });

  it('upserts: a second PUT replaces the first and keeps one row', async () => {
    await put('u-twice', { baseUrl: canvas.url, accessToken: 'first-token' });
    const first = await h.database.db.selectFrom('connections').select(['id']).where('user_id', '=', 'u-twice').executeTakeFirstOrThrow();
    expect((await put('u-twice', { baseUrl: canvas.url, accessToken: 'second-token' })).statusCode).toBe(204);
    const rows = await h.database.db.selectFrom('connections').selectAll().where('user_id', '=', 'u-twice').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toBe(first.id);
    expect(h.cipher.decrypt(rows[0]!.token_ciphertext!, rows[0]!.token_key_id!, 'u-twice')).toBe('second-token');
  });

  it.each([
    [{ baseUrl: 'https://canvas.example.edu' }, 'validation_failed'],
    [{ accessToken: 'x' }, 'validation_failed'],
    [{ baseUrl: 'https://canvas.example.edu', accessToken: '' }, 'validation_failed'],
    [{ baseUrl: 'https://canvas.example.edu', accessToken: 'has space' }, 'validation_failed'],
    [{ baseUrl: 'https://canvas.example.edu', accessToken: 'x', extra: 1 }, 'validation_failed'],
    [{ baseUrl: 'ftp://canvas.example.edu', accessToken: 'x' }, 'canvas_url_invalid'],
  ])('refuses %j with 400 %s', async (body, code) => {
    const res = await put('u-bad', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message).toEqual(expect.any(String));
  });

  it('test connection without a connection is 412 no_connection', async () => {
    const res = await test('u-nobody');
    expect(res.statusCode).toBe(412);
    expect(res.json().error.code).toBe('no_connection');
  });

  it('test connection: ok, with the user stored, the bearer token and a User-Agent sent', async () => {
    await put('u-ok', { baseUrl: canvas.url, accessToken: 'good-token' });
    const res = await test('u-ok');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, user: { id: 42, name: 'Ada Lovelace' } });
    const sent = canvas.requests.at(-1)!;
    expect(sent.path).toBe('/api/v1/users/self');
    expect(sent.headers.authorization).toBe('Bearer good-token');
    expect(sent.headers['user-agent']).toMatch(/canvas-sync/);
    const got = await h.app.inject({ method: 'GET', url: '/api/v1/canvas/connection', headers: await h.auth('u-ok') });
    expect(got.json()).toEqual({ baseUrl: canvas.url, connected: true, canvasUser: { id: 42, name: 'Ada Lovelace' }, authType: 'token', status: 'ok' });
  });

  it.each([
    ['revoked-token', 'invalid_token'],
    ['forbidden-json', 'forbidden'],
    ['forbidden-old-401', 'forbidden'],
    ['throttle-403', 'throttled'],
    ['throttle-429', 'throttled'],
    ['server-error', 'unreachable'],
    ['bad-gateway', 'unreachable'],
    ['not-json', 'unreachable'],
    ['tok-302-elsewhere', 'unreachable'],
  ])('test connection with %s answers 200 ok:false %s', async (token, code) => {
    const user = `u-${token}`;
    await put(user, { baseUrl: canvas.url, accessToken: token });
    const res = await test(user);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: false, error: { code, message: expect.any(String) } });
    expect(res.body).not.toContain(token);
    const row = await h.database.db.selectFrom('connections').select(['canvas_user']).where('user_id', '=', user).executeTakeFirstOrThrow();
    expect(row.canvas_user).toBeNull();
  });

  it('test connection to a closed port is unreachable', async () => {
    const port = await freePort();
    await put('u-closed', { baseUrl: `http://127.0.0.1:${port}`, accessToken: 'good-token' });
    const res = await test('u-closed');
    expect(res.json()).toMatchObject({ ok: false, error: { code: 'unreachable' } });
  });

  it('a Canvas that never answers is unreachable after the deadline', async () => {
    const client = createCanvasSelfClient({ policy: { allowedHosts: ['*'], allowPrivateNetwork: true }, userAgent: 'test', timeoutMs: 300 });
    const started = Date.now();
    const result = await client(canvas.url, 'hang');
    expect(result).toMatchObject({ ok: false, error: { code: 'unreachable', message: expect.stringContaining('did not answer') } });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('re-checks the address at connect time (DNS rebinding): public when saved, loopback when dialled', async () => {
    const port = new URL(canvas.url).port;
    const client = createCanvasSelfClient({
      policy: { allowedHosts: ['*'], allowPrivateNetwork: false },
      userAgent: 'test',
      // What DNS said when the URL was checked; the system resolver then says 127.0.0.1.
      resolve: async () => ['93.184.216.34'],
    });
    const before = canvas.requests.length;
    const result = await client(`https://localhost:${port}`, 'good-token');
    expect(result).toEqual({ ok: false, error: { code: 'unreachable', message: expect.stringContaining('not a public address') } });
    expect(canvas.requests.length).toBe(before);
  });

  it('answers a name that does not exist at connect time exactly as a private one (no DNS oracle)', async () => {
    const port = new URL(canvas.url).port;
    const client = createCanvasSelfClient({ policy: { allowedHosts: ['*'], allowPrivateNetwork: false }, userAgent: 'test', resolve: async () => ['93.184.216.34'] });
    const message = async (host: string) => {
      const result = await client(`https://${host}:${port}`, 'good-token');
      return result.ok ? 'accepted' : `${result.error.code}: ${result.error.message.replace(host, '<host>')}`;
    };
    // localhost dials 127.0.0.1; the .invalid name (RFC 2606) never resolves.
    expect(await message('no-such-host.invalid')).toBe(await message('localhost'));
  });
});

describe('Canvas connection under the strict SSRF policy', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({
      policy: { allowedHosts: ['*.instructure.com'], allowPrivateNetwork: false },
      resolve: async (host) => (host === 'rebind.instructure.com' ? ['10.0.0.7'] : ['93.184.216.34']),
    });
  });
  afterAll(async () => h.close());

  it.each([
    'http://school.instructure.com',
    'https://127.0.0.1',
    'https://10.0.0.1',
    'https://169.254.169.254',
    'https://[::1]',
    'https://rebind.instructure.com',
    'https://canvas.example.edu',
  ])('refuses %s with 400 canvas_url_invalid and stores nothing', async (baseUrl) => {
    const res = await h.app.inject({ method: 'PUT', url: '/api/v1/canvas/connection', headers: await h.auth('u-ssrf'), payload: { baseUrl, accessToken: 'tok' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('canvas_url_invalid');
    const rows = await h.database.db.selectFrom('connections').select('id').where('user_id', '=', 'u-ssrf').execute();
    expect(rows).toHaveLength(0);
  });

  it('accepts an allowed public host, stored as its origin', async () => {
    const res = await h.app.inject({ method: 'PUT', url: '/api/v1/canvas/connection', headers: await h.auth('u-fine'), payload: { baseUrl: 'school.instructure.com/login', accessToken: 'tok' } });
    expect(res.statusCode).toBe(204);
    const row = await h.database.db.selectFrom('connections').select('base_url').where('user_id', '=', 'u-fine').executeTakeFirstOrThrow();
    expect(row.base_url).toBe('https://school.instructure.com');
  });
});

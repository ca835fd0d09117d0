import { describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '../errors/index.js';
import { accessExpiresAt, createCanvasOAuthClient, type OAuthFetch } from './oauth-token.client.js';

const ORIGIN = 'https://canvas.example.edu';
const CLIENT = { clientId: '170000000000001', clientSecret: 'client-secret-xyz' };
const SECRETS = ['client-secret-xyz', 'the-code-123', 'refresh-abc', 'access-def'];

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  form: Record<string, string>;
  redirect?: string;
}

/** A tiny fake token endpoint: records each call and answers with `reply`. */
function fakeEndpoint(reply: (seen: Seen) => Response | Promise<Response>) {
  const calls: Seen[] = [];
  const fetch: OAuthFetch = async (url, init) => {
    const seen: Seen = {
      url: String(url),
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string>,
      form: Object.fromEntries(new URLSearchParams(String(init.body ?? ''))),
      ...(init.redirect ? { redirect: init.redirect } : {}),
    };
    calls.push(seen);
    return reply(seen);
  };
  return { calls, client: createCanvasOAuthClient({ fetch, userAgent: 'canvas-sync/test', timeoutMs: 200 }) };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(isAppError(err)).toBe(true);
    const text = `${(err as Error).message} ${JSON.stringify((err as AppError).details ?? {})}`;
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    return err as AppError;
  }
  throw new Error('resolved');
}

describe('createCanvasOAuthClient', () => {
  it('exchanges a code with a form POST to /login/oauth2/token and returns the parsed grant', async () => {
    const { calls, client } = fakeEndpoint(() =>
      json(200, { access_token: 'access-def', token_type: 'Bearer', refresh_token: 'refresh-abc', expires_in: 3600, user: { id: 42, name: 'Ada' }, canvas_region: 'us-east-1' }),
    );
    const tokens = await client.exchangeCode(ORIGIN, CLIENT, { code: 'the-code-123', redirectUri: 'https://sync.example.edu/api/v1/canvas/oauth/callback' });
    expect(tokens).toEqual({ accessToken: 'access-def', refreshToken: 'refresh-abc', expiresIn: 3600, user: { id: 42, name: 'Ada' } });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe(`${ORIGIN}/login/oauth2/token`);
    expect(calls[0]!.method).toBe('POST');
    expect(calls[0]!.redirect).toBe('manual');
    expect(calls[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(calls[0]!.headers['user-agent']).toBe('canvas-sync/test');
    expect(calls[0]!.form).toMatchObject({
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      code: 'the-code-123',
      redirect_uri: 'https://sync.example.edu/api/v1/canvas/oauth/callback',
    });
  });

  it('refreshes with the refresh token; Canvas sends no new refresh token and an unreadable user is dropped', async () => {
    const { calls, client } = fakeEndpoint(() => json(200, { access_token: 'access-2', token_type: 'Bearer', expires_in: 3600, user: { id: 'x' } }));
    expect(await client.refresh(ORIGIN, CLIENT, 'refresh-abc')).toEqual({ accessToken: 'access-2', expiresIn: 3600 });
    expect(calls[0]!.form).toEqual({ grant_type: 'refresh_token', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, refresh_token: 'refresh-abc' });
  });

  it('maps invalid_grant on refresh to canvas_reauth_required and other 4xx to canvas_oauth_failed', async () => {
    const invalidGrant = fakeEndpoint(() => json(400, { error: 'invalid_grant', error_description: 'refresh-abc is revoked' })).client;
    expect((await failure(invalidGrant.refresh(ORIGIN, CLIENT, 'refresh-abc'))).code).toBe('canvas_reauth_required');
    // On the code exchange a bad grant is a failed authorization, not a lost one.
    const exchange = await failure(invalidGrant.exchangeCode(ORIGIN, CLIENT, { code: 'the-code-123', redirectUri: 'https://x/cb' }));
    expect(exchange.code).toBe('canvas_oauth_failed');
    expect(exchange.details).toEqual({ status: 400, oauthError: 'invalid_grant' });
    const invalidClient = fakeEndpoint(() => json(401, { error: 'invalid_client', error_description: 'client-secret-xyz is wrong' })).client;
    expect((await failure(invalidClient.refresh(ORIGIN, CLIENT, 'refresh-abc'))).code).toBe('canvas_oauth_failed');
    const html = fakeEndpoint(() => new Response('<html>nope</html>', { status: 404 })).client;
    expect((await failure(html.refresh(ORIGIN, CLIENT, 'refresh-abc'))).code).toBe('canvas_oauth_failed');
    const redirect = fakeEndpoint(() => new Response(null, { status: 302, headers: { location: 'https://evil.example/' } })).client;
    expect((await failure(redirect.exchangeCode(ORIGIN, CLIENT, { code: 'the-code-123', redirectUri: 'https://x/cb' }))).code).toBe('canvas_oauth_failed');
  });

  it('maps 5xx, network failures and timeouts to a retryable canvas_unavailable', async () => {
    const down = await failure(fakeEndpoint(() => new Response('', { status: 503 })).client.refresh(ORIGIN, CLIENT, 'refresh-abc'));
    expect(down.code).toBe('canvas_unavailable');
    expect(down.retryable).toBe(true);
    const reset = fakeEndpoint(() => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }))).client;
    expect((await failure(reset.refresh(ORIGIN, CLIENT, 'refresh-abc'))).code).toBe('canvas_unavailable');
    const hang: OAuthFetch = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)));
    const slow = createCanvasOAuthClient({ fetch: hang, userAgent: 'ua', timeoutMs: 20 });
    const timedOut = await failure(slow.exchangeCode(ORIGIN, CLIENT, { code: 'the-code-123', redirectUri: 'https://x/cb' }));
    expect(timedOut.code).toBe('canvas_unavailable');
    expect(timedOut.message).toMatch(/did not answer/);
  });

  it('refuses a 2xx that is not a token and an answer over the size bound, and passes the guard\'s own refusal through', async () => {
    expect((await failure(fakeEndpoint(() => json(200, { token_type: 'Bearer' })).client.refresh(ORIGIN, CLIENT, 'refresh-abc'))).code).toBe('canvas_bad_response');
    const big = createCanvasOAuthClient({ fetch: async () => new Response('x'.repeat(5000), { status: 200 }), userAgent: 'ua', maxBodyBytes: 1024 });
    expect((await failure(big.refresh(ORIGIN, CLIENT, 'refresh-abc'))).code).toBe('canvas_response_too_large');
    const { AppError } = await import('../errors/index.js');
    const guarded = createCanvasOAuthClient({ fetch: () => Promise.reject(new AppError('canvas_url_invalid', 'not allowed')), userAgent: 'ua' });
    expect((await failure(guarded.refresh(ORIGIN, CLIENT, 'refresh-abc'))).code).toBe('canvas_url_invalid');
  });

  it('revokes with a DELETE carrying the access token; an already dead token counts as revoked', async () => {
    const ok = fakeEndpoint(() => json(200, {}));
    await ok.client.revoke(ORIGIN, 'access-def');
    expect(ok.calls[0]).toMatchObject({ url: `${ORIGIN}/login/oauth2/token`, method: 'DELETE' });
    expect(ok.calls[0]!.headers.authorization).toBe('Bearer access-def');
    await fakeEndpoint(() => json(401, { errors: [{ message: 'Invalid access token.' }] })).client.revoke(ORIGIN, 'access-def');
    expect((await failure(fakeEndpoint(() => new Response('', { status: 500 })).client.revoke(ORIGIN, 'access-def'))).code).toBe('canvas_unavailable');
  });
});

describe('accessExpiresAt', () => {
  it('adds expires_in seconds, or says nothing when Canvas did not', () => {
    expect(accessExpiresAt(3600, new Date('2026-12-01T00:00:00Z'))?.toISOString()).toBe('2026-12-01T01:00:00.000Z');
    expect(accessExpiresAt(undefined)).toBeNull();
  });
});

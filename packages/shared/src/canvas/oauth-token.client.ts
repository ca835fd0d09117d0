import { z } from 'zod';
import { AppError, isAppError } from '../errors/index.js';
import type { OAuthClientCredentials } from './oauth-clients.js';

/** The `fetch` the caller gives: its SSRF-guarded one (the fetcher's, the api's), or a fake in tests. */
export type OAuthFetch = (url: string | URL, init: RequestInit) => Promise<Response>;

/** Options of {@link createCanvasOAuthClient}. */
export interface CanvasOAuthClientOptions {
  fetch: OAuthFetch;
  /** Canvas asks API clients to identify themselves (CANVAS.md). */
  userAgent: string;
  /** Deadline of one call, headers and body together (default 10 s). */
  timeoutMs?: number;
  /** Largest answer read (default 64 KiB; a token answer is a few hundred bytes). */
  maxBodyBytes?: number;
}

/** What Canvas's token endpoint grants (CANVAS.md "OAuth2"), in our names. */
export interface CanvasOAuthTokens {
  accessToken: string;
  /** Only on the code exchange: Canvas never issues a new one on refresh (keep the old one). */
  refreshToken?: string;
  /** Seconds the access token lives (Canvas: 3600). */
  expiresIn?: number;
  /** The Canvas user who authorized. */
  user?: { id: number; name: string };
}

/** The three calls of Canvas's token endpoint. Every failure is an {@link AppError} without a secret in it. */
export interface CanvasOAuthClient {
  /** `grant_type=authorization_code`: a code from the callback → tokens. 4xx → `canvas_oauth_failed`. */
  exchangeCode(origin: string, client: OAuthClientCredentials, input: { code: string; redirectUri: string }): Promise<CanvasOAuthTokens>;
  /** `grant_type=refresh_token`. `invalid_grant` → `canvas_reauth_required`; other 4xx → `canvas_oauth_failed`. */
  refresh(origin: string, client: OAuthClientCredentials, refreshToken: string): Promise<CanvasOAuthTokens>;
  /** `DELETE /login/oauth2/token` with the access token; a token Canvas already refuses (401) counts as revoked. */
  revoke(origin: string, accessToken: string): Promise<void>;
}

const TokenAnswer = z.looseObject({
  access_token: z.string().min(1).max(8192),
  refresh_token: z.string().min(1).max(8192).optional(),
  expires_in: z.number().int().positive().max(10 * 365 * 24 * 3600).optional(),
  user: z.looseObject({ id: z.number().int().nonnegative(), name: z.string().max(500) }).optional().catch(undefined),
});

const ErrorAnswer = z.looseObject({ error: z.string().regex(/^[a-z_]{1,64}$/) });

/** When an access token granted `expiresIn` seconds ago at `now` dies; null when Canvas did not say. */
export function accessExpiresAt(expiresIn: number | undefined, now: Date = new Date()): Date | null {
  return expiresIn === undefined ? null : new Date(now.getTime() + expiresIn * 1000);
}

interface Answer {
  status: number;
  body: string;
}

/**
 * The client of Canvas's OAuth2 token endpoint (`/login/oauth2/token`), over an injected fetch:
 * form-encoded POSTs, redirects refused, one deadline per call, the answer read up to a bound and
 * parsed with zod. Errors map as CANVAS.md says: `invalid_grant` on refresh means the grant is gone
 * (`canvas_reauth_required`), other 4xx are `canvas_oauth_failed`, 5xx/network/timeout are
 * `canvas_unavailable` (retryable). Messages never carry a code, token or client secret, and
 * Canvas's `error_description` is not repeated (it is free text from a server we do not trust).
 */
export function createCanvasOAuthClient(options: CanvasOAuthClientOptions): CanvasOAuthClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;

  async function call(origin: string, init: { method: 'POST' | 'DELETE'; headers: Record<string, string>; body?: string }): Promise<Answer> {
    const url = new URL('/login/oauth2/token', origin);
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await options.fetch(url, {
        ...init,
        headers: { ...init.headers, accept: 'application/json', 'user-agent': options.userAgent },
        redirect: 'manual',
        signal,
      });
      return { status: res.status, body: await readBounded(res, maxBodyBytes) };
    } catch (err) {
      if (isAppError(err)) throw err;
      const timedOut = signal.aborted || (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
      throw new AppError('canvas_unavailable', timedOut ? `Canvas did not answer within ${Math.round(timeoutMs / 1000)} s.` : 'Canvas could not be reached.', { cause: err });
    }
  }

  async function grant(origin: string, form: Record<string, string>, refreshing: boolean): Promise<CanvasOAuthTokens> {
    const answer = await call(origin, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    if (answer.status >= 200 && answer.status < 300) {
      const parsed = TokenAnswer.safeParse(parseJson(answer.body));
      if (!parsed.success) throw new AppError('canvas_bad_response', 'Canvas answered the token request, but not with a token.');
      const { access_token, refresh_token, expires_in, user } = parsed.data;
      return {
        accessToken: access_token,
        ...(refresh_token !== undefined ? { refreshToken: refresh_token } : {}),
        ...(expires_in !== undefined ? { expiresIn: expires_in } : {}),
        ...(user ? { user: { id: user.id, name: user.name } } : {}),
      };
    }
    throw refusal(answer, refreshing);
  }

  return {
    exchangeCode: (origin, client, { code, redirectUri }) =>
      grant(
        origin,
        // replace_tokens: a reconnect replaces this user's earlier tokens for our key (CANVAS.md).
        { grant_type: 'authorization_code', client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: redirectUri, code, replace_tokens: '1' },
        false,
      ),
    refresh: (origin, client, refreshToken) =>
      grant(origin, { grant_type: 'refresh_token', client_id: client.clientId, client_secret: client.clientSecret, refresh_token: refreshToken }, true),
    revoke: async (origin, accessToken) => {
      const answer = await call(origin, { method: 'DELETE', headers: { authorization: `Bearer ${accessToken}` } });
      if ((answer.status >= 200 && answer.status < 300) || answer.status === 401) return;
      throw refusal(answer, false);
    },
  };
}

/** Maps a non-2xx answer of the token endpoint to its AppError (see the client's doc). */
function refusal(answer: Answer, refreshing: boolean): AppError {
  const { status } = answer;
  if (status >= 500 || status === 429) return new AppError('canvas_unavailable', `Canvas's token endpoint is having trouble (HTTP ${status}).`);
  const parsed = ErrorAnswer.safeParse(parseJson(answer.body));
  const oauthError = parsed.success ? parsed.data.error : undefined;
  const details = { status, ...(oauthError ? { oauthError } : {}) };
  if (refreshing && oauthError === 'invalid_grant') return new AppError('canvas_reauth_required', undefined, { details });
  if (status >= 300 && status < 400) return new AppError('canvas_oauth_failed', `Canvas redirected the token request (HTTP ${status}); refused.`, { details });
  return new AppError('canvas_oauth_failed', `Canvas refused the token request (HTTP ${status}${oauthError ? `, ${oauthError}` : ''}).`, { details });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads at most `max` bytes of the body; a larger answer is not a token answer. */
async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new AppError('canvas_response_too_large', `Canvas's token answer is larger than ${max} bytes.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

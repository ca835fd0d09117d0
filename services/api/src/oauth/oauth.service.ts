import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  accessExpiresAt,
  AppError,
  checkCanvasBaseUrl,
  isAppError,
  sealConnectionTokens,
  type CanvasOAuthClient,
  type CanvasUrlPolicy,
  type HostResolver,
  type OAuthClients,
  type TokenCipher,
} from '@canvas-sync/shared';
import type { ConnectionGrantStore } from '../connections/connection-grants.repository.js';
import type { OAuthStateStore } from './oauth-states.repository.js';
import { checkReturnTo, returnUrl } from './return-to.js';

/** A state lives 10 minutes (DESIGN.md): long enough to log in to Canvas, short enough to be useless later. */
export const STATE_TTL_MS = 10 * 60 * 1000;

/** The ports the OAuth handlers work with. */
export interface OAuthPorts {
  states: OAuthStateStore;
  grants: ConnectionGrantStore;
  cipher: TokenCipher;
  oauth: CanvasOAuthClient;
  clients: OAuthClients;
  policy: CanvasUrlPolicy;
  /** `PUBLIC_URL` and the redirect URI registered with Canvas. */
  publicUrl: string;
  redirectUri: string;
  corsOrigins: readonly string[];
  logger: Logger;
  /** DNS for the URL policy; the system resolver unless a test injects one. */
  resolve?: HostResolver;
}

/** The outcome codes the callback puts in `returnTo` (DESIGN.md). */
export type CallbackErrorCode = 'access_denied' | 'state_invalid' | 'exchange_failed';

const hashState = (state: string) => createHash('sha256').update(state, 'utf8').digest('hex');
/** 32 random bytes as base64url: 43 characters of [A-Za-z0-9_-]. */
const STATE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Begins "Connect with Canvas": checks the Canvas URL (the same policy as saving a connection),
 * finds the developer key of its host and the `returnTo`, stores a pending authorization under the
 * hash of a fresh random `state`, and returns Canvas's authorize URL. Only the browser ever holds
 * the state itself, so a database read does not let anyone finish someone else's authorization.
 */
export async function startOAuth(ports: OAuthPorts, userId: string, body: { baseUrl: string; returnTo?: string | undefined }): Promise<{ authorizeUrl: string }> {
  const baseUrl = await checkCanvasBaseUrl(body.baseUrl, ports.policy, ports.resolve);
  const returnTo = checkReturnTo(body.returnTo, { publicUrl: ports.publicUrl, corsOrigins: ports.corsOrigins });
  const client = ports.clients.clientFor(baseUrl);
  if (!client) throw new AppError('canvas_oauth_unavailable', `No Canvas developer key is configured for ${new URL(baseUrl).host}; ask your administrator.`);
  const state = randomBytes(32).toString('base64url');
  await ports.states.insert({ stateHash: hashState(state), userId, baseUrl, returnTo, expiresAt: new Date(Date.now() + STATE_TTL_MS) });
  const authorize = new URL('/login/oauth2/auth', baseUrl);
  authorize.search = new URLSearchParams({ client_id: client.clientId, response_type: 'code', redirect_uri: ports.redirectUri, state }).toString();
  return { authorizeUrl: authorize.href };
}

/** What the callback was given (all optional: Canvas, or anyone, may send anything). */
export interface CallbackQuery {
  code?: string | undefined;
  state?: string | undefined;
  error?: string | undefined;
}

/**
 * Finishes the authorization Canvas sent the browser back from and returns where to redirect.
 * The state is consumed first (single use, expiry checked), so a replay, a forgery or a late
 * callback goes to `/` with `state_invalid`, and whatever else it carries is ignored. Then the
 * code is exchanged at the Canvas host the state names, with our redirect URI; only a granted
 * exchange writes anything, so every error leaves the old connection as it was.
 */
export async function finishOAuth(ports: OAuthPorts, query: CallbackQuery): Promise<string> {
  const fail = (returnTo: string, code: CallbackErrorCode) => returnUrl(returnTo, { canvas: 'error', code });
  if (!query.state || !STATE_SHAPE.test(query.state)) return fail('/', 'state_invalid');
  const pending = await ports.states.consume(hashState(query.state));
  if (!pending || pending.expired) return fail('/', 'state_invalid');
  if (query.error !== undefined) {
    ports.logger.info({ userId: pending.userId, oauthError: /^[a-z_]{1,64}$/.test(query.error) ? query.error : 'other' }, 'canvas authorization not granted');
    return fail(pending.returnTo, query.error === 'access_denied' ? 'access_denied' : 'exchange_failed');
  }
  const client = ports.clients.clientFor(pending.baseUrl);
  if (!query.code || query.code.length > 4096 || !client) return fail(pending.returnTo, 'exchange_failed');
  let granted;
  try {
    granted = await ports.oauth.exchangeCode(pending.baseUrl, client, { code: query.code, redirectUri: ports.redirectUri });
  } catch (err) {
    const error = isAppError(err) ? { code: err.code, message: err.message, details: err.details } : { code: 'internal', message: 'unexpected error' };
    ports.logger.warn({ userId: pending.userId, error }, 'canvas code exchange failed');
    return fail(pending.returnTo, 'exchange_failed');
  }
  const tokens = sealConnectionTokens(ports.cipher, pending.userId, {
    accessToken: granted.accessToken,
    ...(granted.refreshToken !== undefined ? { refreshToken: granted.refreshToken } : {}),
  });
  await ports.grants.storeOAuthGrant(pending.userId, {
    baseUrl: pending.baseUrl,
    tokens,
    accessExpiresAt: accessExpiresAt(granted.expiresIn),
    canvasUser: granted.user ?? null,
  });
  ports.logger.info({ userId: pending.userId }, 'canvas connected with oauth');
  return returnUrl(pending.returnTo, { canvas: 'connected' });
}

import type { Kysely } from 'kysely';
import type { TokenCipher } from '../crypto/token-cipher.js';
import type { Database } from '../db/schema.js';
import { AppError, isAppError } from '../errors/app-error.js';
import { findConnectionToken, lockConnectionToken, markReauthRequired, storeRefreshedToken, type ConnectionTokenRow } from './connection-token.repository.js';
import type { OAuthClients } from './oauth-clients.js';
import type { CanvasOAuthClient, CanvasOAuthTokens } from './oauth-token.client.js';
import { renewalDecision } from './token-renewal.js';

/** What renewal needs from outside: the cipher, the OAuth client and the developer keys. */
export interface ConnectionTokenPorts {
  cipher: TokenCipher;
  /**
   * `createCanvasOAuthClient(...)`: `refresh` throws `canvas_reauth_required` when Canvas refuses
   * the grant (`invalid_grant`), `canvas_oauth_failed` for another refusal, `canvas_unavailable`
   * when Canvas does not answer (bounded by its timeout, which bounds how long the row stays locked).
   */
  oauth: Pick<CanvasOAuthClient, 'refresh'>;
  /** The developer keys (`CANVAS_OAUTH_CLIENTS`). */
  clients: Pick<OAuthClients, 'clientFor'>;
  /** Longest wait for another replica's renewal of the same connection (default 30 s). */
  lockTimeoutMs?: number;
  now?: () => Date;
}

/** A decrypted, usable access token of a connection. Keep it in memory only. */
export interface ConnectionToken {
  connectionId: string;
  userId: string;
  /** The Canvas origin. */
  origin: string;
  authType: 'token' | 'oauth';
  accessToken: string;
  /** `token_version` of this token: a caller names it when Canvas rejects the token. */
  version: number;
  /** When the token dies; null for personal tokens (and OAuth tokens Canvas gave no `expires_in`). */
  expiresAt: Date | null;
  /** The token's full lifetime in ms, when this call refreshed it (Canvas's `expires_in`). */
  lifetimeMs?: number;
  /** True when this call got the token from Canvas (false: stored, possibly by another replica). */
  refreshed?: boolean;
}

/** Who asks: the connection, the user it must belong to, and the token version the caller holds. */
export interface RenewRequest {
  connectionId: string;
  userId: string;
  knownVersion: number;
}

const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/**
 * The connection's current token as stored, without refreshing. Throws `no_connection` (missing,
 * another user's, or disconnected), `canvas_reauth_required` (the user must reconnect), or
 * `config_invalid` (no configured key decrypts it).
 */
export async function readConnectionToken(db: Kysely<Database>, cipher: TokenCipher, connectionId: string, userId: string): Promise<ConnectionToken> {
  const row = await findConnectionToken(db, connectionId);
  if (!row || row.user_id !== userId || row.token_ciphertext === null) throw noConnection();
  if (row.status === 'reauth_required') throw reauthRequired();
  return tokenOf(row, cipher);
}

/**
 * A token that stays valid for at least `minValidityMs` (default 15 s): the stored one, or a
 * renewed one when it expires sooner. For single calls such as the api's connection test; the
 * fetcher keeps its token in memory and calls {@link renewConnectionToken} itself.
 */
export async function usableConnectionToken(db: Kysely<Database>, ports: ConnectionTokenPorts, connectionId: string, userId: string, minValidityMs = 15_000): Promise<ConnectionToken> {
  const token = await readConnectionToken(db, ports.cipher, connectionId, userId);
  const now = (ports.now ?? (() => new Date()))();
  if (token.authType !== 'oauth' || token.expiresAt === null || token.expiresAt.getTime() - now.getTime() > minValidityMs) return token;
  return renewConnectionToken(db, ports, { connectionId, userId, knownVersion: token.version });
}

/**
 * Replaces the caller's token version `knownVersion` (near expiry, or rejected by Canvas) with a
 * usable one. One renewal per connection at a time across every replica: the connection row is
 * locked (`FOR UPDATE`) and re-read, and when another replica renewed it while we waited, its token
 * is returned without asking Canvas again. Otherwise Canvas is asked with the stored refresh token
 * and the new access token is stored encrypted with `token_version + 1` before the lock ends.
 *
 * The lock is held across the HTTP call to Canvas's token endpoint. That is deliberate: the call
 * is bounded by the OAuth client's timeout, the waiters are the same connection's other workers
 * (which could do nothing useful without the new token anyway), and a crash mid-call simply rolls
 * back. A lease column with the call outside the transaction would free the row sooner but needs
 * polling, and a lease that outlives a crashed holder stops every worker until it runs out.
 *
 * A refused refresh sets `status = 'reauth_required'` and throws `canvas_reauth_required`.
 */
export async function renewConnectionToken(db: Kysely<Database>, ports: ConnectionTokenPorts, request: RenewRequest): Promise<ConnectionToken> {
  const now = ports.now ?? (() => new Date());
  let outcome: ConnectionToken | { refused: AppError };
  try {
    outcome = await db.transaction().execute(async (trx): Promise<ConnectionToken | { refused: AppError }> => {
      const row = await lockConnectionToken(trx, request.connectionId, ports.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
      if (!row || row.user_id !== request.userId) throw noConnection();
      const decision = renewalDecision(stateOf(row), request.knownVersion, now());
      if (decision === 'disconnected') throw noConnection();
      if (decision === 'reauth') throw reauthRequired();
      if (decision === 'use') return tokenOf(row, ports.cipher);
      const client = ports.clients.clientFor(row.base_url);
      if (!client) throw new AppError('canvas_oauth_unavailable', 'No Canvas developer key is configured for this connection’s host; the access token cannot be renewed.');
      const refreshToken = decrypt(ports.cipher, row.refresh_ciphertext!, row.refresh_key_id!, row.user_id);
      // Canvas counts expires_in from when it issues the token, which is after we ask: counting from
      // here errs on the early side.
      const askedAt = now();
      let answer: CanvasOAuthTokens;
      try {
        answer = await ports.oauth.refresh(new URL(row.base_url).origin, client, refreshToken);
      } catch (err) {
        if (!isAppError(err, 'canvas_reauth_required')) throw err;
        // Committed, then thrown: a throw inside the transaction would roll the mark back.
        await markReauthRequired(trx, row.id);
        return { refused: err };
      }
      const { keyId, ciphertext } = ports.cipher.encrypt(answer.accessToken, row.user_id);
      const lifetimeMs = answer.expiresIn === undefined ? undefined : answer.expiresIn * 1000;
      const expiresAt = lifetimeMs === undefined ? null : new Date(askedAt.getTime() + lifetimeMs);
      const version = row.token_version + 1;
      const rotated = answer.refreshToken === undefined ? undefined : ports.cipher.encrypt(answer.refreshToken, row.user_id);
      await storeRefreshedToken(trx, row.id, { tokenCiphertext: ciphertext, tokenKeyId: keyId, expiresAt, version, ...(rotated ? { refresh: rotated } : {}) });
      return { ...baseOf(row), accessToken: answer.accessToken, version, expiresAt, refreshed: true, ...(lifetimeMs === undefined ? {} : { lifetimeMs }) };
    });
  } catch (err) {
    // 55P03: the lock wait ran out behind another replica's renewal that is still talking to Canvas.
    if ((err as { code?: unknown }).code === '55P03') throw new AppError('canvas_unavailable', 'Another worker is still renewing the Canvas access token.', { cause: err });
    throw err;
  }
  if ('refused' in outcome) throw outcome.refused;
  return outcome;
}

/**
 * Canvas rejected a token that renewal had just produced (or that a reconnect stored): no refresh
 * can help, so the connection is marked `reauth_required` (unless a newer token arrived since) and
 * the error to fail the sync with is returned.
 */
export async function refuseConnectionToken(db: Kysely<Database>, connectionId: string, version: number): Promise<AppError> {
  await markReauthRequired(db, connectionId, version);
  return new AppError('canvas_reauth_required', 'Canvas rejected the renewed access token; reconnect Canvas.');
}

function stateOf(row: ConnectionTokenRow) {
  return {
    authType: row.auth_type,
    status: row.status,
    hasAccessToken: row.token_ciphertext !== null && row.token_key_id !== null,
    hasRefreshToken: row.refresh_ciphertext !== null && row.refresh_key_id !== null,
    version: row.token_version,
    expiresAt: row.access_expires_at,
  };
}

function baseOf(row: ConnectionTokenRow) {
  return { connectionId: row.id, userId: row.user_id, origin: new URL(row.base_url).origin, authType: row.auth_type };
}

function tokenOf(row: ConnectionTokenRow, cipher: TokenCipher): ConnectionToken {
  if (row.token_ciphertext === null || row.token_key_id === null) throw noConnection();
  const accessToken = decrypt(cipher, row.token_ciphertext, row.token_key_id, row.user_id);
  return { ...baseOf(row), accessToken, version: row.token_version, expiresAt: row.auth_type === 'oauth' ? row.access_expires_at : null };
}

function decrypt(cipher: TokenCipher, ciphertext: string, keyId: string, userId: string): string {
  try {
    return cipher.decrypt(ciphertext, keyId, userId);
  } catch (err) {
    throw new AppError('config_invalid', 'The stored Canvas token cannot be decrypted with the configured keys.', { cause: err });
  }
}

const noConnection = () => new AppError('no_connection', 'The sync has no Canvas connection; connect Canvas again.');
const reauthRequired = () => new AppError('canvas_reauth_required', 'Canvas refused to renew access; reconnect Canvas.');

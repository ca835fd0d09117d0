import { AppError, checkCanvasBaseUrl, isAppError, type CanvasUrlPolicy, type ConnectionToken, type HostResolver, type RenewRequest, type TokenCipher } from '@canvas-sync/shared';
import type { CanvasSelfClient } from '../canvas/canvas-self.client.js';
import type { ConnectionStore } from './connections.repository.js';
import type { ConnectionTestResult, ConnectionView, PutConnectionBody } from './connections.schemas.js';

/** The ports the connection handlers work with. */
export interface ConnectionPorts {
  connections: ConnectionStore;
  cipher: TokenCipher;
  policy: CanvasUrlPolicy;
  canvasSelf: CanvasSelfClient;
  /** `CANVAS_PERSONAL_TOKENS`: whether a pasted token may be saved (absent = allow). */
  personalTokens?: 'allow' | 'deny';
  /** Reads the stored token and renews an OAuth one, shared with the fetcher. */
  renewal: TokenRenewal;
  /** DNS for the URL policy; the system resolver unless a test injects one. */
  resolve?: HostResolver;
}

/**
 * `usableConnectionToken` and `renewConnectionToken` of @canvas-sync/shared bound to the database
 * and the OAuth client: one renewal protocol (row lock, `token_version` check) for api and fetcher.
 */
export interface TokenRenewal {
  usable(connectionId: string, userId: string, minValidityMs: number): Promise<ConnectionToken>;
  renew(request: RenewRequest): Promise<ConnectionToken>;
}

/** Renew this long before Canvas's `expires_in` runs out, so a test never sends a dying token. */
const EXPIRY_MARGIN_MS = 60_000;

/** Checks the URL against the SSRF policy, encrypts the token (AES-256-GCM, key id kept) and upserts. */
export async function saveConnection(ports: ConnectionPorts, userId: string, body: PutConnectionBody): Promise<void> {
  if (ports.personalTokens === 'deny') throw new AppError('personal_tokens_disabled');
  const baseUrl = await checkCanvasBaseUrl(body.baseUrl, ports.policy, ports.resolve);
  const { keyId, ciphertext } = ports.cipher.encrypt(body.accessToken, userId);
  await ports.connections.upsert(userId, { baseUrl, tokenCiphertext: ciphertext, tokenKeyId: keyId });
}

/** The user's connection as clients may see it. */
export async function viewConnection(ports: ConnectionPorts, userId: string): Promise<ConnectionView> {
  const row = await ports.connections.find(userId);
  if (!row) return { baseUrl: null, connected: false };
  const kind = { authType: row.auth_type, status: row.status };
  if (row.token_ciphertext === null) return { baseUrl: row.base_url, connected: false, ...kind };
  return { baseUrl: row.base_url, connected: true, ...(row.canvas_user ? { canvasUser: row.canvas_user } : {}), ...kind };
}

const reconnect = (): ConnectionTestResult => ({ ok: false, error: { code: 'invalid_token', message: 'Canvas refused to renew access; reconnect Canvas.' } });

/**
 * Calls Canvas with the stored token; remembers who it belongs to when Canvas accepts it. An OAuth
 * access token that is about to expire is renewed first, and one Canvas refuses (401) is renewed
 * once and tried again, as the fetcher does (CANVAS.md "OAuth2").
 */
export async function testConnection(ports: ConnectionPorts, userId: string): Promise<ConnectionTestResult> {
  const row = await ports.connections.find(userId);
  if (!row || row.token_ciphertext === null || row.token_key_id === null) throw new AppError('no_connection');
  if (row.auth_type === 'oauth' && row.status === 'reauth_required') return reconnect();
  // A personal token comes back as stored; an OAuth one renewed first when it expires within the margin.
  const token = await renewing(() => ports.renewal.usable(row.id, userId, EXPIRY_MARGIN_MS));
  if (!('accessToken' in token)) return token;
  let result = await ports.canvasSelf(row.base_url, token.accessToken);
  if (token.authType === 'oauth' && !token.refreshed && !result.ok && result.error.code === 'invalid_token') {
    const renewed = await renewing(() => ports.renewal.renew({ connectionId: row.id, userId, knownVersion: token.version }));
    if (!('accessToken' in renewed)) return renewed;
    result = await ports.canvasSelf(row.base_url, renewed.accessToken);
  }
  if (result.ok) await ports.connections.setCanvasUser(userId, result.user);
  return result;
}

/**
 * A renewal's failure as a test result: Canvas being down is a result, not a 5xx. A missing
 * developer key is not the user's to fix (reconnecting needs the same key), so it gets its own
 * code, and the connection stays `ok` for when the operator restores the key.
 */
async function renewing(renewal: () => Promise<ConnectionToken>): Promise<ConnectionToken | ConnectionTestResult> {
  try {
    return await renewal();
  } catch (err) {
    if (isAppError(err, 'canvas_reauth_required')) return reconnect();
    if (isAppError(err, 'canvas_oauth_unavailable')) return { ok: false, error: { code: 'canvas_oauth_unavailable', message: NO_KEY_MESSAGE } };
    if (isAppError(err, 'no_connection')) throw new AppError('no_connection');
    // A key that was removed from the config: the user can fix it by connecting again.
    if (isAppError(err, 'config_invalid')) throw new AppError('internal', 'The stored Canvas token cannot be read; connect Canvas again.', { cause: err });
    // The OAuth client classifies every Canvas failure as an AppError; anything else is ours (the database).
    if (!isAppError(err)) throw err;
    return { ok: false, error: { code: 'unreachable', message: err.message } };
  }
}

const NO_KEY_MESSAGE =
  'No Canvas developer key is configured for this Canvas host any more, so access cannot be renewed. Reconnecting will not help: the operator must restore the key (CANVAS_OAUTH_CLIENTS).';

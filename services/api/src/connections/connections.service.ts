import { AppError, checkCanvasBaseUrl, type CanvasUrlPolicy, type HostResolver, type TokenCipher } from '@canvas-sync/shared';
import type { CanvasSelfClient, CanvasSelfResult } from '../canvas/canvas-self.client.js';
import type { ConnectionStore } from './connections.repository.js';
import type { ConnectionView, PutConnectionBody } from './connections.schemas.js';
import type { RefreshOutcome } from './oauth-refresh.js';

/** The ports the connection handlers work with. */
export interface ConnectionPorts {
  connections: ConnectionStore;
  cipher: TokenCipher;
  policy: CanvasUrlPolicy;
  canvasSelf: CanvasSelfClient;
  /** `CANVAS_PERSONAL_TOKENS`: whether a pasted token may be saved (absent = allow). */
  personalTokens?: 'allow' | 'deny';
  /** Renews an OAuth access token (see oauth-refresh.ts); absent = OAuth connections are tested as they are. */
  refreshOAuth?: (userId: string, seenVersion: number) => Promise<RefreshOutcome>;
  /** DNS for the URL policy; the system resolver unless a test injects one. */
  resolve?: HostResolver;
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

const reconnect = (): CanvasSelfResult => ({ ok: false, error: { code: 'invalid_token', message: 'Canvas refused to renew access; reconnect Canvas.' } });

/**
 * Calls Canvas with the stored token; remembers who it belongs to when Canvas accepts it. An OAuth
 * access token that is about to expire is renewed first, and one Canvas refuses (401) is renewed
 * once and tried again, as the fetcher does (CANVAS.md "OAuth2").
 */
export async function testConnection(ports: ConnectionPorts, userId: string): Promise<CanvasSelfResult> {
  const row = await ports.connections.find(userId);
  if (!row || row.token_ciphertext === null || row.token_key_id === null) throw new AppError('no_connection');
  if (row.auth_type === 'oauth' && row.status === 'reauth_required') return reconnect();
  let token: string;
  try {
    token = ports.cipher.decrypt(row.token_ciphertext, row.token_key_id, userId);
  } catch (err) {
    // A key that was removed from the config: the user can fix it by connecting again.
    throw new AppError('internal', 'The stored Canvas token cannot be read; connect Canvas again.', { cause: err });
  }
  const oauth = row.auth_type === 'oauth' ? ports.refreshOAuth : undefined;
  let refreshed = false;
  if (oauth && row.access_expires_at && new Date(row.access_expires_at).getTime() - EXPIRY_MARGIN_MS <= Date.now()) {
    const outcome = await renew(oauth, userId, row.token_version);
    if (!('accessToken' in outcome)) return outcome;
    token = outcome.accessToken;
    refreshed = true;
  }
  let result = await ports.canvasSelf(row.base_url, token);
  if (oauth && !refreshed && !result.ok && result.error.code === 'invalid_token') {
    const outcome = await renew(oauth, userId, row.token_version);
    if (!('accessToken' in outcome)) return outcome;
    result = await ports.canvasSelf(row.base_url, outcome.accessToken);
  }
  if (result.ok) await ports.connections.setCanvasUser(userId, result.user);
  return result;
}

/** A refresh for a test: Canvas being down is a test result, not a 5xx. */
async function renew(refresh: NonNullable<ConnectionPorts['refreshOAuth']>, userId: string, version: number): Promise<{ accessToken: string } | CanvasSelfResult> {
  let outcome: RefreshOutcome;
  try {
    outcome = await refresh(userId, version);
  } catch (err) {
    const message = err instanceof AppError ? err.message : 'Canvas could not be reached to renew access.';
    return { ok: false, error: { code: 'unreachable', message } };
  }
  if ('disconnected' in outcome) throw new AppError('no_connection');
  if ('reauthRequired' in outcome) return reconnect();
  return outcome;
}

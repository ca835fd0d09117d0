import type { Logger } from 'pino';
import { isAppError, openConnectionTokens, type CanvasOAuthClient, type SyncRow, type TokenCipher } from '@canvas-sync/shared';
import { cancelSync, type SyncPorts } from '../syncs/syncs.service.js';
import type { ConnectionGrantStore } from './connection-grants.repository.js';

/** The ports of `DELETE /api/v1/canvas/connection`. */
export interface DisconnectPorts {
  grants: ConnectionGrantStore;
  findActiveSync(userId: string): Promise<SyncRow | undefined>;
  /** The sync ports: the active sync is cancelled through the same path as `POST /syncs/:id/cancel`. */
  syncs: SyncPorts;
  cipher: TokenCipher;
  oauth: CanvasOAuthClient;
  logger: Logger;
}

/**
 * Disconnects Canvas: cancels the user's active sync (it could not go on without a token), forgets
 * every token (the row stays: syncs and their history point at it; the synced data stays too),
 * then revokes the OAuth grant at Canvas, best effort and bounded by the client's deadline: the
 * tokens are already gone from our side whatever Canvas answers. A pasted personal token is not
 * revoked: revoking it would delete a token the user made themselves and may use elsewhere.
 */
export async function disconnect(ports: DisconnectPorts, userId: string): Promise<void> {
  const active = await ports.findActiveSync(userId);
  if (active) {
    try {
      await cancelSync(ports.syncs, userId, active.id);
    } catch (err) {
      // It finished between the lookup and the cancel: nothing left to stop.
      if (!isAppError(err, 'sync_not_cancellable')) throw err;
    }
  }
  const row = await ports.grants.forgetTokens(userId);
  if (!row || row.auth_type !== 'oauth') return;
  let accessToken: string | undefined;
  try {
    accessToken = openConnectionTokens(ports.cipher, row)?.accessToken;
  } catch (err) {
    ports.logger.warn({ userId, err: { message: (err as Error).message } }, 'stored canvas token unreadable: not revoked');
    return;
  }
  if (accessToken === undefined) return;
  try {
    await ports.oauth.revoke(row.base_url, accessToken);
    ports.logger.info({ userId }, 'canvas grant revoked');
  } catch (err) {
    const error = isAppError(err) ? { code: err.code, message: err.message } : { code: 'internal' };
    ports.logger.warn({ userId, error }, 'canvas grant revoke failed (tokens are forgotten anyway)');
  }
}

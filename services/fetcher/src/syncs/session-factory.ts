import type { Kysely } from 'kysely';
import { readConnectionToken, type Database, type TokenCipher } from '@canvas-sync/shared';
import { createSession, type CanvasSession } from '../canvas/canvas-session.js';
import type { TokenHolders } from './token-holders.js';
import type { SyncState } from './sync-state.repository.js';

/** Opens a Canvas session for a sync: reads its connection and decrypts the token (in memory only). */
export type SessionFactory = (sync: SyncState, extra: Pick<CanvasSession, 'signal' | 'onCanvasWait' | 'budget' | 'onRowsSkipped'>) => Promise<CanvasSession>;

/**
 * Personal tokens are used as stored. OAuth connections get the process's shared token holder,
 * which renews the access token before it expires and once after Canvas rejects it. A connection
 * marked `reauth_required` fails at once with `canvas_reauth_required`, before any Canvas request.
 */
export function sessionFactory(db: Kysely<Database>, cipher: TokenCipher, tokens: TokenHolders): SessionFactory {
  return async (sync, extra) => {
    const token = await readConnectionToken(db, cipher, sync.connectionId, sync.userId);
    const auth = token.authType === 'oauth' ? tokens.holderFor(token) : undefined;
    return createSession(token.origin, token.accessToken, { ...extra, ...(auth ? { auth } : {}) });
  };
}

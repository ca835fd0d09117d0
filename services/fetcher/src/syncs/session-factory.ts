import type { Kysely } from 'kysely';
import { AppError, type Database, type TokenCipher } from '@canvas-sync/shared';
import { createSession, type CanvasSession } from '../canvas/canvas-session.js';
import { findConnection, type SyncState } from './sync-state.repository.js';

/** Opens a Canvas session for a sync: reads its connection and decrypts the token (in memory only). */
export type SessionFactory = (sync: SyncState, extra: Pick<CanvasSession, 'signal' | 'onCanvasWait' | 'budget' | 'onRowsSkipped'>) => Promise<CanvasSession>;

export function sessionFactory(db: Kysely<Database>, cipher: TokenCipher): SessionFactory {
  return async (sync, extra) => {
    const connection = await findConnection(db, sync.connectionId);
    if (!connection || connection.user_id !== sync.userId || connection.token_ciphertext === null || connection.token_key_id === null) {
      throw new AppError('no_connection', 'The sync has no Canvas connection; connect Canvas again.');
    }
    let token: string;
    try {
      token = cipher.decrypt(connection.token_ciphertext, connection.token_key_id, connection.user_id);
    } catch (err) {
      throw new AppError('config_invalid', 'The stored Canvas token cannot be decrypted with the configured keys.', { cause: err });
    }
    return createSession(connection.base_url, token, extra);
  };
}

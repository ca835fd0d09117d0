import { sql, type Kysely } from 'kysely';
import type { ConnectionRow, Database, SealedConnectionTokens } from '@canvas-sync/shared';

/** An OAuth grant as the callback stores it (tokens already sealed). */
export interface OAuthGrantWrite {
  baseUrl: string;
  tokens: SealedConnectionTokens;
  accessExpiresAt: Date | null;
  canvasUser: { id: number; name: string } | null;
}

/**
 * Stores an OAuth grant as the user's connection. An existing row keeps its id (syncs point at
 * it, and a resumed sync continues with the new grant); `token_version` rises so fetchers holding
 * the old token see that a newer one is stored.
 */
export async function storeOAuthGrant(db: Kysely<Database>, userId: string, write: OAuthGrantWrite): Promise<void> {
  const values = {
    base_url: write.baseUrl,
    ...write.tokens,
    auth_type: 'oauth' as const,
    status: 'ok' as const,
    access_expires_at: write.accessExpiresAt,
    canvas_user: write.canvasUser === null ? null : JSON.stringify(write.canvasUser),
  };
  await db
    .insertInto('connections')
    .values({ user_id: userId, ...values, token_version: 1 })
    .onConflict((oc) => oc.column('user_id').doUpdateSet((eb) => ({ ...values, token_version: eb('connections.token_version', '+', 1), updated_at: new Date() })))
    .execute();
}

/**
 * Forgets every token of the user's connection (disconnect) and returns the row as it was, so the
 * caller can revoke the grant at Canvas. The row is locked while it is read and cleared: a fetcher
 * refreshing the token at that moment either finishes first (and its new token is cleared) or
 * finds no token. The row itself stays: syncs and their history point at it.
 */
export async function forgetConnectionTokens(db: Kysely<Database>, userId: string): Promise<ConnectionRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('connections').selectAll().where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (!row || row.token_ciphertext === null) return row;
    await trx
      .updateTable('connections')
      .set((eb) => ({
        token_ciphertext: null,
        token_key_id: null,
        refresh_ciphertext: null,
        refresh_key_id: null,
        access_expires_at: null,
        status: 'ok',
        token_version: eb('token_version', '+', 1),
        updated_at: sql<Date>`now()`,
      }))
      .where('id', '=', row.id)
      .execute();
    return row;
  });
}

/** The port the OAuth and disconnect handlers use. */
export interface ConnectionGrantStore {
  storeOAuthGrant(userId: string, write: OAuthGrantWrite): Promise<void>;
  forgetTokens(userId: string): Promise<ConnectionRow | undefined>;
}

/** Binds the repository to `db`. */
export function connectionGrantStore(db: Kysely<Database>): ConnectionGrantStore {
  return { storeOAuthGrant: (userId, write) => storeOAuthGrant(db, userId, write), forgetTokens: (userId) => forgetConnectionTokens(db, userId) };
}

import type { Kysely } from 'kysely';
import type { ConnectionRow, Database } from '@canvas-sync/shared';

/** The encrypted form of a connection as the api writes it. */
export interface ConnectionWrite {
  baseUrl: string;
  tokenCiphertext: string;
  tokenKeyId: string;
}

/** The user's connection, or undefined. */
export async function findConnection(db: Kysely<Database>, userId: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom('connections').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/**
 * Creates or replaces the user's connection (one per user) with a pasted personal token. The
 * connection id stays the same, so syncs keep pointing at it; `canvas_user` is cleared because the
 * token may belong to someone else. An OAuth grant it replaces is forgotten (its refresh token
 * cleared, status back to ok) and `token_version` rises so fetchers notice the new token.
 */
export async function upsertConnection(db: Kysely<Database>, userId: string, write: ConnectionWrite): Promise<void> {
  await db
    .insertInto('connections')
    .values({ user_id: userId, base_url: write.baseUrl, token_ciphertext: write.tokenCiphertext, token_key_id: write.tokenKeyId, canvas_user: null })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet((eb) => ({
        base_url: write.baseUrl,
        token_ciphertext: write.tokenCiphertext,
        token_key_id: write.tokenKeyId,
        canvas_user: null,
        auth_type: 'token',
        status: 'ok',
        refresh_ciphertext: null,
        refresh_key_id: null,
        access_expires_at: null,
        token_version: eb('connections.token_version', '+', 1),
        updated_at: new Date(),
      })),
    )
    .execute();
}

/** Records who the token belongs to (after a successful test). */
export async function setCanvasUser(db: Kysely<Database>, userId: string, user: { id: number; name: string }): Promise<void> {
  await db.updateTable('connections').set({ canvas_user: JSON.stringify(user), updated_at: new Date() }).where('user_id', '=', userId).execute();
}

/** The port handlers use: the functions above bound to one database. */
export interface ConnectionStore {
  find(userId: string): Promise<ConnectionRow | undefined>;
  upsert(userId: string, write: ConnectionWrite): Promise<void>;
  setCanvasUser(userId: string, user: { id: number; name: string }): Promise<void>;
}

/** Binds the repository to `db`. */
export function connectionStore(db: Kysely<Database>): ConnectionStore {
  return {
    find: (userId) => findConnection(db, userId),
    upsert: (userId, write) => upsertConnection(db, userId, write),
    setCanvasUser: (userId, user) => setCanvasUser(db, userId, user),
  };
}

import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** The columns token renewal reads: every token ciphertext, never decrypted here. */
export interface ConnectionTokenRow {
  id: string;
  user_id: string;
  base_url: string;
  auth_type: 'token' | 'oauth';
  status: 'ok' | 'reauth_required';
  token_ciphertext: string | null;
  token_key_id: string | null;
  refresh_ciphertext: string | null;
  refresh_key_id: string | null;
  access_expires_at: Date | null;
  token_version: number;
}

const COLUMNS = ['id', 'user_id', 'base_url', 'auth_type', 'status', 'token_ciphertext', 'token_key_id', 'refresh_ciphertext', 'refresh_key_id', 'access_expires_at', 'token_version'] as const;

/** The connection's token columns, without a lock. */
export async function findConnectionToken(db: Kysely<Database>, connectionId: string): Promise<ConnectionTokenRow | undefined> {
  return db.selectFrom('connections').select(COLUMNS).where('id', '=', connectionId).executeTakeFirst();
}

/**
 * The connection's token columns, locked until `trx` ends (`FOR UPDATE`): renewals of one
 * connection queue here, across every replica. `lockTimeoutMs` bounds the wait behind another
 * renewal; the same bound, as `idle_in_transaction_session_timeout`, makes Postgres end a holder
 * whose process stalled with the lock, so no connection stays locked by a hung replica.
 */
export async function lockConnectionToken(trx: Transaction<Database>, connectionId: string, lockTimeoutMs: number): Promise<ConnectionTokenRow | undefined> {
  const ms = `${Math.max(1, Math.round(lockTimeoutMs))}ms`;
  await sql`SELECT set_config('lock_timeout', ${ms}, true), set_config('idle_in_transaction_session_timeout', ${ms}, true)`.execute(trx);
  return trx.selectFrom('connections').select(COLUMNS).where('id', '=', connectionId).forUpdate().executeTakeFirst();
}

/** A renewed access token: the refresh token stays (Canvas issues no new one on refresh) unless one came. */
export interface RefreshedTokenWrite {
  tokenCiphertext: string;
  tokenKeyId: string;
  expiresAt: Date | null;
  version: number;
  /** Only when the token endpoint rotated the refresh token (OAuth allows it; Canvas does not do it). */
  refresh?: { ciphertext: string; keyId: string };
}

/** Stores a renewed access token and its version (only within the lock's transaction). */
export async function storeRefreshedToken(trx: Transaction<Database>, connectionId: string, write: RefreshedTokenWrite): Promise<void> {
  await trx
    .updateTable('connections')
    .set({
      token_ciphertext: write.tokenCiphertext,
      token_key_id: write.tokenKeyId,
      ...(write.refresh ? { refresh_ciphertext: write.refresh.ciphertext, refresh_key_id: write.refresh.keyId } : {}),
      access_expires_at: write.expiresAt,
      token_version: write.version,
      status: 'ok',
      updated_at: new Date(),
    })
    .where('id', '=', connectionId)
    .execute();
}

/**
 * Canvas refused the grant: the user has to reconnect (the api shows "Reconnect Canvas"). With
 * `version`, only while the row still holds that token version: a reconnect that stored a new
 * grant meanwhile is not undone.
 */
export async function markReauthRequired(db: Transaction<Database> | Kysely<Database>, connectionId: string, version?: number): Promise<void> {
  let query = db.updateTable('connections').set({ status: 'reauth_required', updated_at: new Date() }).where('id', '=', connectionId);
  if (version !== undefined) query = query.where('token_version', '=', version);
  await query.execute();
}

import { sql, type Kysely } from 'kysely';
import type { Database } from '@canvas-sync/shared';

/** A pending authorization as stored: only the hash of its `state`. */
export interface OAuthStateWrite {
  stateHash: string;
  userId: string;
  baseUrl: string;
  returnTo: string;
  expiresAt: Date;
}

/** What a consumed state says: whose authorization it was, at which Canvas, where to go back. */
export interface OAuthStateRow {
  userId: string;
  baseUrl: string;
  returnTo: string;
  expired: boolean;
}

/** Stores a pending authorization, and drops expired ones (anyone's) on the way. */
export async function insertOAuthState(db: Kysely<Database>, write: OAuthStateWrite): Promise<void> {
  await db.deleteFrom('oauth_states').where('expires_at', '<', sql<Date>`now()`).execute();
  await db
    .insertInto('oauth_states')
    .values({ state_hash: write.stateHash, user_id: write.userId, base_url: write.baseUrl, return_to: write.returnTo, expires_at: write.expiresAt })
    .execute();
}

/**
 * Takes a state out of the table in one statement (`DELETE … RETURNING`), so of two callbacks with
 * the same state only one gets the row: a state works once. Expiry is judged by Postgres's clock,
 * the same that wrote it.
 */
export async function consumeOAuthState(db: Kysely<Database>, stateHash: string): Promise<OAuthStateRow | undefined> {
  const row = await db
    .deleteFrom('oauth_states')
    .where('state_hash', '=', stateHash)
    .returning(['user_id', 'base_url', 'return_to', sql<boolean>`expires_at <= now()`.as('expired')])
    .executeTakeFirst();
  return row ? { userId: row.user_id, baseUrl: row.base_url, returnTo: row.return_to, expired: row.expired } : undefined;
}

/** The port the OAuth handlers use. */
export interface OAuthStateStore {
  insert(write: OAuthStateWrite): Promise<void>;
  consume(stateHash: string): Promise<OAuthStateRow | undefined>;
}

/** Binds the repository to `db`. */
export function oauthStateStore(db: Kysely<Database>): OAuthStateStore {
  return { insert: (write) => insertOAuthState(db, write), consume: (stateHash) => consumeOAuthState(db, stateHash) };
}

import { sql, type Kysely } from 'kysely';

/**
 * Canvas OAuth2 (DESIGN.md "Canvas OAuth2"). A connection is either a pasted personal token
 * (`auth_type = 'token'`) or an OAuth grant (`'oauth'`): then `token_ciphertext` holds the current
 * access token, `refresh_ciphertext` the refresh token (Canvas never issues a new one on refresh),
 * `access_expires_at` when the access token dies, and `token_version` rises with every refresh so a
 * fetcher that waited on another replica's refresh can tell that the stored token is newer than its
 * own. `status = 'reauth_required'` once Canvas refused a refresh: the user must reconnect.
 * Disconnecting forgets every token but keeps the row (syncs and their history point at it), so the
 * token columns become nullable: a row without `token_ciphertext` is a disconnected connection.
 *
 * `oauth_states` holds the pending authorization requests: only a hash of each `state` (the value
 * itself travels through the browser), deleted when used, so a state works once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE connections
    ADD COLUMN auth_type text NOT NULL DEFAULT 'token' CHECK (auth_type IN ('token','oauth')),
    ADD COLUMN status text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok','reauth_required')),
    ADD COLUMN refresh_ciphertext text,
    ADD COLUMN refresh_key_id text,
    ADD COLUMN access_expires_at timestamptz,
    ADD COLUMN token_version integer NOT NULL DEFAULT 0,
    ALTER COLUMN token_ciphertext DROP NOT NULL,
    ALTER COLUMN token_key_id DROP NOT NULL`.execute(db);

  await sql`CREATE TABLE oauth_states (
    state_hash text PRIMARY KEY,
    user_id text NOT NULL,
    base_url text NOT NULL,
    return_to text NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  await sql`CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS oauth_states`.execute(db);
  await sql`DELETE FROM connections WHERE token_ciphertext IS NULL`.execute(db);
  await sql`ALTER TABLE connections
    ALTER COLUMN token_ciphertext SET NOT NULL, ALTER COLUMN token_key_id SET NOT NULL,
    DROP COLUMN IF EXISTS auth_type, DROP COLUMN IF EXISTS status, DROP COLUMN IF EXISTS refresh_ciphertext,
    DROP COLUMN IF EXISTS refresh_key_id, DROP COLUMN IF EXISTS access_expires_at, DROP COLUMN IF EXISTS token_version`.execute(db);
}

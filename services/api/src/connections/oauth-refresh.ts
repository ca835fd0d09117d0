import { sql, type Kysely } from 'kysely';
import { accessExpiresAt, isAppError, openConnectionTokens, type CanvasOAuthClient, type Database, type OAuthClients, type TokenCipher } from '@canvas-sync/shared';

/** What the api needs to renew an OAuth access token. */
export interface OAuthRefreshDeps {
  db: Kysely<Database>;
  cipher: TokenCipher;
  oauth: CanvasOAuthClient;
  clients: OAuthClients;
}

/** A usable access token, or why there is none. */
export type RefreshOutcome = { accessToken: string } | { reauthRequired: true } | { disconnected: true };

/**
 * Renews the user's OAuth access token, one renewal per connection at a time: the row is locked
 * (`SELECT … FOR UPDATE`) for the call to Canvas, and when `token_version` moved past `seenVersion`
 * meanwhile, another process (a fetcher, another api) already renewed it and its token is used
 * instead of asking Canvas again. Canvas refusing the refresh token (`canvas_reauth_required`)
 * marks the connection `reauth_required`. Other failures (Canvas down) are thrown unchanged and
 * nothing is written. Canvas sends no new refresh token on refresh: the stored one is kept.
 */
export async function refreshOAuthAccess(deps: OAuthRefreshDeps, userId: string, seenVersion: number): Promise<RefreshOutcome> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('connections').selectAll().where('user_id', '=', userId).forUpdate().executeTakeFirst();
    const tokens = row ? openConnectionTokens(deps.cipher, row) : undefined;
    if (!row || !tokens) return { disconnected: true } as const;
    if (row.status === 'reauth_required') return { reauthRequired: true } as const;
    if (row.token_version !== seenVersion) return { accessToken: tokens.accessToken };
    const client = deps.clients.clientFor(row.base_url);
    if (!tokens.refreshToken || !client) {
      await markReauthRequired(trx, row.id);
      return { reauthRequired: true } as const;
    }
    let granted;
    try {
      granted = await deps.oauth.refresh(row.base_url, client, tokens.refreshToken);
    } catch (err) {
      if (!isAppError(err, 'canvas_reauth_required')) throw err;
      await markReauthRequired(trx, row.id);
      return { reauthRequired: true } as const;
    }
    const access = deps.cipher.encrypt(granted.accessToken, userId);
    const refresh = granted.refreshToken === undefined ? undefined : deps.cipher.encrypt(granted.refreshToken, userId);
    await trx
      .updateTable('connections')
      .set((eb) => ({
        token_ciphertext: access.ciphertext,
        token_key_id: access.keyId,
        ...(refresh ? { refresh_ciphertext: refresh.ciphertext, refresh_key_id: refresh.keyId } : {}),
        access_expires_at: accessExpiresAt(granted.expiresIn),
        token_version: eb('token_version', '+', 1),
        updated_at: sql<Date>`now()`,
      }))
      .where('id', '=', row.id)
      .execute();
    return { accessToken: granted.accessToken };
  });
}

async function markReauthRequired(db: Kysely<Database>, connectionId: string): Promise<void> {
  await db.updateTable('connections').set({ status: 'reauth_required', updated_at: sql<Date>`now()` }).where('id', '=', connectionId).execute();
}

import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CanvasSim, SimOAuthClient } from '@canvas-sync/canvas-sim';
import { accessExpiresAt, createCanvasOAuthClient, sealConnectionTokens, type Database, type TokenCipher } from '@canvas-sync/shared';

/** The developer key the pipeline tests register with the simulator and give the services. */
export const TEST_OAUTH_CLIENT: SimOAuthClient = { clientId: '170000000000042', clientSecret: `csk-${randomBytes(16).toString('hex')}`, name: 'canvas-sync tests' };

/** The redirect URI the test grants are made for (the api's callback path on a test origin). */
export const TEST_REDIRECT_URI = 'http://127.0.0.1:1/api/v1/canvas/oauth/callback';

/** A real grant of the simulator: the code it was made from and the tokens it gave. */
export interface SimGrant {
  code: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number | undefined;
}

/**
 * Gets a real OAuth grant for `simUserId` from the simulator's authorization endpoint (the sim
 * must auto-approve) and its token endpoint, as the api's callback does with a browser in between.
 */
export async function obtainSimGrant(sim: CanvasSim, simUserId: number, client: SimOAuthClient = TEST_OAUTH_CLIENT): Promise<SimGrant> {
  sim.setOAuthSessionUser(simUserId);
  const authorize = new URL('/login/oauth2/auth', sim.url);
  authorize.search = new URLSearchParams({ client_id: client.clientId, response_type: 'code', redirect_uri: TEST_REDIRECT_URI, state: 'test-state' }).toString();
  const answer = await fetch(authorize, { redirect: 'manual' });
  await answer.arrayBuffer();
  const code = new URL(answer.headers.get('location') ?? 'http://invalid/').searchParams.get('code');
  if (answer.status !== 302 || !code) throw new Error(`the simulator did not auto-approve (status ${answer.status}); start it with oauthAutoApprove`);
  const oauth = createCanvasOAuthClient({ fetch: (url, init) => fetch(url, init), userAgent: 'canvas-sync-tests' });
  const tokens = await oauth.exchangeCode(new URL(sim.url).origin, client, { code, redirectUri: TEST_REDIRECT_URI });
  if (!tokens.refreshToken) throw new Error('the simulator gave no refresh token');
  return { code, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresIn: tokens.expiresIn };
}

/**
 * Stores a grant as the user's connection the way the api's callback does: tokens sealed, an
 * existing row kept (syncs point at it) with `status = 'ok'` and `token_version` raised.
 */
export async function storeSimGrant(db: Kysely<Database>, cipher: TokenCipher, userId: string, baseUrl: string, grant: SimGrant): Promise<string> {
  const values = {
    base_url: baseUrl,
    ...sealConnectionTokens(cipher, userId, { accessToken: grant.accessToken, refreshToken: grant.refreshToken }),
    auth_type: 'oauth' as const,
    status: 'ok' as const,
    access_expires_at: accessExpiresAt(grant.expiresIn),
    canvas_user: null,
  };
  const row = await db
    .insertInto('connections')
    .values({ user_id: userId, ...values, token_version: 1 })
    .onConflict((oc) => oc.column('user_id').doUpdateSet((eb) => ({ ...values, token_version: eb('connections.token_version', '+', 1), updated_at: new Date() })))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

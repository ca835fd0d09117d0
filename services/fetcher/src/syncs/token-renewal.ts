import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { createCanvasOAuthClient, refuseConnectionToken, renewConnectionToken, type CanvasUrlPolicy, type Database, type OAuthClients, type TokenCipher } from '@canvas-sync/shared';
import { assertCanvasUrlAllowed } from '../canvas/guarded-fetch.js';
import { TokenHolders } from './token-holders.js';

/** What renewal of OAuth access tokens needs in the fetcher. */
export interface TokenRenewalDeps {
  db: Kysely<Database>;
  cipher: TokenCipher;
  clients: OAuthClients;
  /** The fetcher's SSRF-guarded fetch; the host policy is checked here too, as for API requests. */
  fetch: typeof fetch;
  policy: CanvasUrlPolicy;
  userAgent: string;
  logger: Logger;
  /** Deadline of one call to the token endpoint: it also bounds how long the connection row stays locked. */
  timeoutMs?: number;
}

/**
 * The process's token holders over the shared renewal (`renewConnectionToken`: one renewal per
 * connection across replicas under a row lock) and Canvas's token endpoint.
 */
export function createTokenHolders(deps: TokenRenewalDeps): TokenHolders {
  const oauth = createCanvasOAuthClient({
    fetch: (url, init) => {
      assertCanvasUrlAllowed(new URL(url), deps.policy);
      return deps.fetch(url, init);
    },
    userAgent: deps.userAgent,
    timeoutMs: deps.timeoutMs ?? 10_000,
  });
  const ports = { cipher: deps.cipher, oauth, clients: deps.clients };
  return new TokenHolders(
    async (request) => {
      const token = await renewConnectionToken(deps.db, ports, request);
      deps.logger.debug({ connectionId: request.connectionId, version: token.version, refreshed: token.refreshed === true }, 'canvas access token renewed');
      return token;
    },
    async (connectionId, version) => {
      deps.logger.warn({ connectionId, version }, 'canvas rejected a renewed access token; reconnect required');
      return refuseConnectionToken(deps.db, connectionId, version);
    },
  );
}

import { randomBytes } from 'node:crypto';
import type { ResolvedOAuth } from '../config/options.js';
import type { TokenRecord, UserRecord } from '../data/model.js';
import type { World } from '../data/world.js';
import type { SimOAuthClient } from '../oauth.types.js';
import { SimInputError, unknownUser } from '../sim-errors.js';
import { OAuthRequestError } from './oauth.errors.js';
import type { OAuthStats } from './oauth.stats.js';

interface CodeRecord {
  clientId: string;
  redirectUri: string;
  userId: number;
  expiresAtMs: number;
}

interface Grant {
  id: number;
  userId: number;
  clientId: string;
  refreshToken: string;
  /** Canvas keeps one access token per grant: a refresh replaces it. */
  access: TokenRecord;
  revoked: boolean;
}

/** What the token endpoint answers on success (`refresh_token` only on the code exchange). */
export interface TokenGrantBody {
  access_token: string;
  token_type: 'Bearer';
  user: { id: number; name: string; global_id: string; effective_locale: string };
  refresh_token?: string;
  expires_in: number;
  canvas_region: string;
}

/** Codes never used are dropped past this many (oldest first), so a crawler cannot grow memory. */
const MAX_CODES = 10_000;

/** Developer keys, codes, grants and the browser's signed-in user: Canvas's OAuth2 provider state. */
export class OAuthStore {
  private readonly clients: Map<string, SimOAuthClient>;
  private readonly codes = new Map<string, CodeRecord>();
  private readonly grants = new Map<number, Grant>();
  private readonly byRefresh = new Map<string, Grant>();
  private nextGrantId = 1;
  private sessionUserId: number;

  constructor(
    readonly world: World,
    readonly settings: ResolvedOAuth,
    readonly stats: OAuthStats,
    private readonly now: () => number = Date.now,
  ) {
    this.clients = new Map(settings.clients.map((c) => [c.clientId, c]));
    this.sessionUserId = world.users[0]?.id ?? 0;
  }

  client(clientId: string): SimOAuthClient | undefined {
    return this.clients.get(clientId);
  }

  /** The user "signed in to Canvas" in the simulated browser. */
  sessionUser(): UserRecord {
    const user = this.world.user(this.sessionUserId);
    if (!user) throw unknownUser(this.sessionUserId);
    return user;
  }

  setSessionUser(userId: number): void {
    if (!this.world.user(userId)) throw unknownUser(userId);
    this.sessionUserId = userId;
  }

  issueCode(clientId: string, redirectUri: string, userId: number): string {
    if (this.codes.size >= MAX_CODES) this.codes.delete(this.codes.keys().next().value as string);
    const code = secret();
    this.codes.set(code, { clientId, redirectUri, userId, expiresAtMs: this.now() + this.settings.codeTtlSeconds * 1000 });
    return code;
  }

  /** Client credentials are checked first, as Canvas does: a bad secret never reveals whether a code was valid. */
  authenticateClient(clientId: string | undefined, clientSecret: string | undefined): SimOAuthClient {
    const client = clientId ? this.clients.get(clientId) : undefined;
    if (!client) throw new OAuthRequestError('unknownClient');
    if (clientSecret !== client.clientSecret) throw new OAuthRequestError('badSecret');
    return client;
  }

  exchangeCode(client: SimOAuthClient, code: string | undefined, redirectUri: string | undefined, replaceTokens: boolean): TokenGrantBody {
    if (!code) throw new OAuthRequestError('noCode');
    const record = this.codes.get(code);
    // Single use: a presented code is spent even when the exchange then fails.
    if (record) this.codes.delete(code);
    if (!record || record.clientId !== client.clientId || this.now() >= record.expiresAtMs) throw new OAuthRequestError('badCode');
    if (redirectUri !== record.redirectUri) throw new OAuthRequestError('redirectMismatch');
    if (replaceTokens) this.revokeGrants(record.userId, client.clientId);
    const id = this.nextGrantId++;
    const grant: Grant = {
      id,
      userId: record.userId,
      clientId: client.clientId,
      refreshToken: secret(),
      access: this.newAccessToken(record.userId, client.clientId, id),
      revoked: false,
    };
    this.grants.set(grant.id, grant);
    this.byRefresh.set(grant.refreshToken, grant);
    this.stats.count('authorizationCodeGrants', grant.userId, grant.clientId);
    return { ...this.body(grant), refresh_token: grant.refreshToken };
  }

  refresh(client: SimOAuthClient, refreshToken: string | undefined): TokenGrantBody {
    if (!refreshToken) throw new OAuthRequestError('noRefreshToken');
    const grant = this.byRefresh.get(refreshToken);
    if (!grant || grant.revoked || grant.clientId !== client.clientId) throw new OAuthRequestError('badRefreshToken');
    // The old access token stops working at once (Canvas regenerates the token on the same record).
    this.endAccess(grant.access, 'replaced');
    grant.access = this.newAccessToken(grant.userId, grant.clientId, grant.id);
    this.stats.count('refreshGrants', grant.userId, grant.clientId, this.now());
    return this.body(grant);
  }

  /** `DELETE /login/oauth2/token`: the grant behind a live access token ends (refresh token included). */
  revokeByAccessToken(record: TokenRecord): void {
    const grant = record.oauth ? this.grants.get(record.oauth.grantId) : undefined;
    if (grant) this.revokeGrant(grant);
    else this.endAccess(record, 'revoked');
    this.stats.count('revocations', record.userId, record.oauth?.clientId ?? null);
  }

  /** Control: ends the user's grants (of one client, or all); returns how many. */
  revokeGrants(userId: number, clientId?: string): number {
    this.requireUser(userId, clientId);
    let count = 0;
    for (const grant of this.grants.values()) {
      if (grant.userId !== userId || grant.revoked || (clientId !== undefined && grant.clientId !== clientId)) continue;
      this.revokeGrant(grant);
      count++;
    }
    return count;
  }

  /** Control: the user's current access tokens expire now; their refresh tokens keep working. Returns how many. */
  expireAccessTokens(userId: number, clientId?: string): number {
    this.requireUser(userId, clientId);
    let count = 0;
    for (const grant of this.grants.values()) {
      if (grant.userId !== userId || grant.revoked || (clientId !== undefined && grant.clientId !== clientId)) continue;
      const info = grant.access.oauth;
      if (!info || grant.access.state !== 'active' || this.now() >= info.expiresAtMs) continue;
      info.expiresAtMs = this.now();
      count++;
    }
    return count;
  }

  /**
   * Why an OAuth access token no longer works, or null while it does. Canvas answers all of these the
   * same way (401 `Invalid access token.`); the reason only feeds the counters.
   */
  refusal(record: TokenRecord): 'expired' | 'revoked' | 'replaced' | null {
    const info = record.oauth;
    if (!info) return null;
    if (record.state !== 'active') return info.ended ?? (record.state === 'expired' ? 'expired' : 'revoked');
    return this.now() >= info.expiresAtMs ? 'expired' : null;
  }

  private revokeGrant(grant: Grant): void {
    grant.revoked = true;
    this.byRefresh.delete(grant.refreshToken);
    this.endAccess(grant.access, 'revoked');
  }

  private endAccess(record: TokenRecord, reason: 'revoked' | 'replaced'): void {
    if (record.state !== 'active') return;
    record.state = 'revoked';
    if (record.oauth) record.oauth.ended = reason;
  }

  private newAccessToken(userId: number, clientId: string, grantId: number): TokenRecord {
    const record: TokenRecord = {
      token: secret(),
      userId,
      state: 'active',
      expiredAt: null,
      oauth: { clientId, grantId, expiresAtMs: this.now() + this.settings.accessTokenTtlSeconds * 1000, ended: null },
    };
    this.world.addToken(record);
    return record;
  }

  private body(grant: Grant): TokenGrantBody {
    const user = this.world.user(grant.userId);
    return {
      access_token: grant.access.token,
      token_type: 'Bearer',
      user: { id: grant.userId, name: user?.name ?? '', global_id: String(grant.userId), effective_locale: 'en' },
      expires_in: this.settings.accessTokenTtlSeconds,
      canvas_region: this.settings.canvasRegion,
    };
  }

  private requireUser(userId: number, clientId: string | undefined): void {
    if (!this.world.user(userId)) throw unknownUser(userId);
    if (clientId !== undefined && !this.clients.has(clientId)) throw new SimInputError(`no OAuth client ${clientId}`, 404);
  }
}

/** Canvas's token shape (`<shard>~<random>`), unguessable: these are real secrets to the code under test. */
function secret(): string {
  return `7~${randomBytes(36).toString('base64url')}`;
}

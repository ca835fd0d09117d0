/** A developer key, as a Canvas admin issues it. */
export interface SimOAuthClient {
  clientId: string;
  clientSecret: string;
  /** Shown on the consent page ("<name> is requesting access to your account"); default the client id. */
  name?: string;
}

/** Counters of one user, one client, or the whole sim. */
export interface SimOAuthCounters {
  /** Consents approved (Authorize clicked, or auto-approved). */
  consents: number;
  /** Consents cancelled (redirected with `error=access_denied`). */
  deniedConsents: number;
  /** Successful `grant_type=authorization_code` exchanges. */
  authorizationCodeGrants: number;
  /** Successful `grant_type=refresh_token` exchanges. */
  refreshGrants: number;
  /** ms since the epoch of each successful refresh, oldest first (the newest 1,000 are kept). */
  refreshTimes: number[];
  /** Token-endpoint answers that were errors (400/401). */
  failedGrants: number;
  /** Successful `DELETE /login/oauth2/token`. */
  revocations: number;
  /** API requests refused because the OAuth access token had passed its `expires_in` (or was expired by control). */
  expiredTokenRequests: number;
  /** API requests refused because the grant was revoked (DELETE, control, `replace_tokens`). */
  revokedTokenRequests: number;
  /** API requests refused because a later refresh replaced the access token (Canvas keeps one per grant). */
  replacedTokenRequests: number;
}

/** One API request refused for a dead OAuth access token (no token in it). */
export interface SimOAuthRefusal {
  /** ms since the epoch */
  at: number;
  userId: number;
  clientId: string;
  reason: 'expired' | 'revoked' | 'replaced';
  /** "GET /api/v1/courses/:id/assignments" (or "DELETE /login/oauth2/token") */
  endpoint: string;
  /** path and query as requested, `access_token` redacted: the same request twice has the same path */
  path: string;
}

export interface SimOAuthStats extends SimOAuthCounters {
  /** Every refused request, oldest first (the newest 1,000 kept). */
  refusals: SimOAuthRefusal[];
  /** keyed by user id */
  byUser: Record<string, SimOAuthCounters>;
  /** keyed by client id */
  byClient: Record<string, SimOAuthCounters>;
}

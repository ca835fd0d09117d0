/**
 * The decisions of OAuth access-token renewal (DESIGN.md "Canvas OAuth2"), apart from any I/O so
 * they are tested with plain values.
 */

/** Renew at most this long before expiry: Canvas tokens live an hour, five minutes is plenty of slack. */
export const MAX_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * How long before expiry a token of `lifetimeMs` is renewed: a fifth of its lifetime, at most
 * {@link MAX_REFRESH_MARGIN_MS}. Proportional, so a 5 s token (tests, odd installs) is renewed 1 s
 * before it dies instead of at once and forever, and an hour's token 5 minutes before.
 */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(MAX_REFRESH_MARGIN_MS, Math.max(0, lifetimeMs) / 5);
}

/** What the row says, read under its lock. */
export interface StoredTokenState {
  authType: 'token' | 'oauth';
  status: 'ok' | 'reauth_required';
  /** False when the row has no access token (disconnected). */
  hasAccessToken: boolean;
  hasRefreshToken: boolean;
  version: number;
  expiresAt: Date | null;
}

/**
 * - `use`: the stored token is the one to use (a personal token, or another replica renewed it
 *   while we waited for the lock: never refresh twice for one expiry).
 * - `refresh`: ask Canvas for a new access token.
 * - `disconnected`: no token at all; `reauth`: the user must reconnect first.
 */
export type RenewalDecision = 'use' | 'refresh' | 'disconnected' | 'reauth';

/**
 * Decides, under the connection's row lock, what a caller holding `knownVersion` gets. The caller
 * asks because its version is near expiry or because Canvas rejected it; either way, a stored
 * version different from its own (a refresh by another replica, or a reconnect) that has not
 * expired answers the question without another refresh.
 */
export function renewalDecision(row: StoredTokenState, knownVersion: number, now: Date): RenewalDecision {
  if (!row.hasAccessToken) return 'disconnected';
  if (row.status === 'reauth_required') return 'reauth';
  if (row.authType === 'token') return 'use';
  const expired = row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime();
  if (row.version !== knownVersion && !expired) return 'use';
  return row.hasRefreshToken ? 'refresh' : 'reauth';
}

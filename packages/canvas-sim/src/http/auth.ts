import type { TokenRecord, UserRecord } from '../data/model.js';
import type { World } from '../data/world.js';
import type { OAuthStore } from '../oauth/oauth.store.js';
import type { CanvasAnswer } from './answer.js';
import { expiredToken, invalidToken, noCredentials, revokedToken } from './canvas-errors.js';

export type AuthResult = { ok: true; user: UserRecord; token: TokenRecord } | { ok: false; answer: CanvasAnswer };

/** Canvas reads `Authorization: Bearer …` first, then the `access_token` query parameter. */
export function presentedToken(authorization: string | undefined, params: URLSearchParams): string | null {
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  return params.get('access_token') || null;
}

/** `request` names the request in the OAuth refusal log (endpoint pattern, and the path with any token redacted). */
export function authenticate(world: World, oauth: OAuthStore, token: string | null, request: { endpoint: string; path: string }): AuthResult {
  if (token === null) return { ok: false, answer: noCredentials() };
  const record = world.token(token);
  const user = record ? world.user(record.userId) : undefined;
  if (!record || !user) return { ok: false, answer: invalidToken() };
  if (record.oauth) {
    // Canvas answers an expired, revoked or replaced OAuth token alike; only the counters tell them apart.
    const refusal = oauth.refusal(record);
    if (refusal === null) return { ok: true, user, token: record };
    oauth.stats.refusal({ at: Date.now(), userId: record.userId, clientId: record.oauth.clientId, reason: refusal, ...request });
    return { ok: false, answer: invalidToken() };
  }
  if (record.state === 'revoked') return { ok: false, answer: revokedToken() };
  if (record.state === 'expired') return { ok: false, answer: expiredToken(record.expiredAt ?? '') };
  return { ok: true, user, token: record };
}

import { createHmac } from 'node:crypto';

/** The public development secret of the api and the notifier (README, `AUTH_JWT_SECRET`). */
export const DEV_JWT_SECRET = 'dev-only-canvas-sync-jwt-secret';

/** A user token as the host app signs it: HS256, `sub` = user id, `exp` required. */
export function signUserToken(userId: string, secret = DEV_JWT_SECRET, ttlSeconds = 3_600): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: userId, iat: now, exp: now + ttlSeconds })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

import { SignJWT } from 'jose';

/**
 * A canvas-sync user token: HS256 with the shared secret, `sub` = the host app's user id (canvas-sync
 * keeps each user's data under it), a short `exp`. Minted on the server only: the secret never
 * reaches the browser.
 */
export function mintUserToken(userId: string, secret: string, ttlSeconds: number, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

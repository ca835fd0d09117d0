import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { isAppError } from '@canvas-sync/shared';
import { loadNotifierConfig } from '../config.js';
import { createUserTokenVerifier } from './user-token.verifier.js';

const SECRET = 'notifier-test-secret-of-enough-length';
const JWKS = 'https://login.example.edu/.well-known/jwks.json';
const sign = (alg = 'HS256') => new SignJWT({}).setProtectedHeader({ alg }).setSubject('u1').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

describe('notifier user tokens (the shared verifier)', () => {
  it('answers a good token with its user and a refused one with null', async () => {
    const verify = createUserTokenVerifier({ secret: SECRET });
    const verified = await verify(await sign());
    expect(verified?.userId).toBe('u1');
    // exp is kept (in ms): the socket is closed when the token expires.
    expect(verified!.expiresAt).toBeGreaterThan(Date.now() + 4 * 60_000);
    expect(verified!.expiresAt).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
    expect(await verify(await sign('HS512'))).toBeNull();
    expect(await verify('not.a.jwt')).toBeNull();
  });

  it('reads AUTH_JWKS_URL / AUTH_JWT_ALGORITHM as the api does', () => {
    const idp = { AUTH_JWT_ISSUER: 'https://login.example.edu', AUTH_JWT_AUDIENCE: 'canvas-sync' };
    const config = loadNotifierConfig({ DEMO: '0', AUTH_JWKS_URL: JWKS, AUTH_JWT_ALGORITHM: 'ES256', ...idp });
    expect(config.auth).toMatchObject({ secret: undefined, jwksUrl: JWKS, algorithm: 'ES256', usingDevSecret: false });
    for (const env of [{ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: JWKS, ...idp }, { AUTH_JWT_ALGORITHM: 'RS256' }, { AUTH_JWKS_URL: 'http://login.example.edu/jwks', ...idp }, { DEMO: '0' }, { AUTH_JWKS_URL: JWKS }]) {
      let error: unknown;
      try {
        loadNotifierConfig(env);
      } catch (err) {
        error = err;
      }
      expect(isAppError(error, 'config_invalid'), JSON.stringify(env)).toBe(true);
    }
  });
});

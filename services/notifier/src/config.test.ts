import { describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET, isAppError } from '@canvas-sync/shared';
import { loadNotifierConfig } from './config.js';

/** The message `loadNotifierConfig` refuses `env` with; fails when it accepts it. */
function refusal(env: Record<string, string>): string {
  try {
    loadNotifierConfig(env);
  } catch (err) {
    expect(isAppError(err, 'config_invalid')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('config was accepted');
}

describe('loadNotifierConfig: user tokens', () => {
  it('runs on the dev secret locally and in the demo (main.ts warns)', () => {
    expect(loadNotifierConfig({}).auth).toMatchObject({ secret: DEV_JWT_SECRET, usingDevSecret: true });
    expect(loadNotifierConfig({ DEMO: '1' }).auth.usingDevSecret).toBe(true);
  });

  it('refuses the dev secret when DEMO=0 or in production, unset, blank or set by hand', () => {
    expect(refusal({ DEMO: '0' })).toContain('AUTH_JWT_SECRET');
    expect(refusal({ NODE_ENV: 'production', AUTH_JWT_SECRET: ' ' })).toContain('AUTH_JWT_SECRET');
    expect(refusal({ NODE_ENV: 'production', AUTH_JWT_SECRET: DEV_JWT_SECRET })).toContain('AUTH_JWT_SECRET');
  });

  it('trims the secret as the api does: a trailing newline is not part of the key', () => {
    expect(loadNotifierConfig({ AUTH_JWT_SECRET: 'a-real-secret-of-enough-length\n' }).auth.secret).toBe('a-real-secret-of-enough-length');
  });

  it('requires AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE with AUTH_JWKS_URL', () => {
    const message = refusal({ AUTH_JWKS_URL: 'https://idp.example.edu/jwks' });
    expect(message).toContain('AUTH_JWT_ISSUER');
    expect(message).toContain('AUTH_JWT_AUDIENCE');
    const config = loadNotifierConfig({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://idp.example.edu/jwks', AUTH_JWT_ISSUER: 'https://idp.example.edu', AUTH_JWT_AUDIENCE: 'canvas-sync' });
    expect(config.auth).toMatchObject({ secret: undefined, issuer: 'https://idp.example.edu', audience: 'canvas-sync', usingDevSecret: false });
  });
});

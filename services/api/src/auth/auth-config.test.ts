import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../config.js';
import { noFile, refusal } from '../../test/support/config-refusal.js';

const JWKS = 'https://login.example.edu/.well-known/jwks.json';

describe('api user-token configuration (AUTH_JWKS_URL, AUTH_JWT_ALGORITHM)', () => {
  it('takes a JWKS URL instead of a secret, and then has no secret at all (not even the dev one)', () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    const config = loadApiConfig({ DEMO: '0', AUTH_JWKS_URL: JWKS, AUTH_JWT_ALGORITHM: 'ES256', AUTH_JWT_ISSUER: 'idp', AUTH_JWT_AUDIENCE: 'canvas-sync', TOKEN_ENCRYPTION_KEY: key }, noFile);
    expect(config.auth).toEqual({ secret: undefined, jwksUrl: JWKS, algorithm: 'ES256', issuer: 'idp', audience: 'canvas-sync', usingDevSecret: false });
  });

  it('refuses contradictions and weak settings, naming the variable', () => {
    expect(refusal({ AUTH_JWT_SECRET: 'a-real-secret-of-enough-length', AUTH_JWKS_URL: JWKS })).toContain('not both');
    expect(refusal({ AUTH_JWT_SECRET: 'a-real-secret-of-enough-length', AUTH_JWT_ALGORITHM: 'RS256' })).toContain('RS256 needs AUTH_JWKS_URL');
    expect(refusal({ AUTH_JWKS_URL: JWKS, AUTH_JWT_ALGORITHM: 'HS256' })).toContain('AUTH_JWT_ALGORITHM');
    expect(refusal({ AUTH_JWKS_URL: JWKS, AUTH_JWT_ISSUER: 'idp' })).toContain('AUTH_JWT_AUDIENCE');
    expect(refusal({ AUTH_JWKS_URL: 'http://login.example.edu/jwks' })).toContain('AUTH_JWKS_URL');
    expect(refusal({ AUTH_JWT_ALGORITHM: 'none' })).toContain('AUTH_JWT_ALGORITHM');
    expect(refusal({ DEMO: '0' })).toContain('AUTH_JWT_SECRET');
  });
});

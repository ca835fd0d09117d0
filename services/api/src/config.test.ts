import { describe, expect, it } from 'vitest';
import { DEV_TOKEN_KEY } from '@canvas-sync/shared';
import { DEV_JWT_SECRET, loadApiConfig } from './config.js';
import { noFile, refusal } from '../test/support/config-refusal.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadApiConfig', () => {
  it('runs on dev defaults when nothing is set (and says so)', () => {
    const config = loadApiConfig({}, noFile);
    expect(config.port).toBe(3000);
    expect(config.auth).toMatchObject({ secret: DEV_JWT_SECRET, usingDevSecret: true });
    expect(config.tokenKeys.usingDevKey).toBe(true);
    expect(config.canvas).toEqual({ allowedHosts: ['*'], allowPrivateNetwork: false });
    expect(config.corsOrigins).toEqual([]);
    expect(DEV_TOKEN_KEY).toBeTruthy();
  });

  it('requires AUTH_JWT_SECRET when DEMO=0 or in production', () => {
    expect(refusal({ DEMO: '0', TOKEN_ENCRYPTION_KEY: KEY })).toContain('AUTH_JWT_SECRET');
    expect(refusal({ NODE_ENV: 'production', TOKEN_ENCRYPTION_KEY: KEY })).toContain('AUTH_JWT_SECRET');
    expect(refusal({ NODE_ENV: 'production', TOKEN_ENCRYPTION_KEY: KEY, AUTH_JWT_SECRET: DEV_JWT_SECRET })).toContain('AUTH_JWT_SECRET');
    const config = loadApiConfig({ DEMO: '0', AUTH_JWT_SECRET: 'a-real-secret-of-enough-length', AUTH_JWT_ISSUER: 'host', AUTH_JWT_AUDIENCE: 'cs', TOKEN_ENCRYPTION_KEY: KEY }, noFile);
    expect(config.auth).toEqual({ secret: 'a-real-secret-of-enough-length', issuer: 'host', audience: 'cs', usingDevSecret: false });
  });

  it('refuses the public dev token key when DEMO=0 or in production: unset, empty, or an empty key file', () => {
    const real = { AUTH_JWT_SECRET: 'a-real-secret-of-enough-length' };
    for (const mode of [{ DEMO: '0' }, { NODE_ENV: 'production' }] as Array<Record<string, string>>) {
      expect(refusal({ ...mode, ...real })).toMatch(/TOKEN_ENCRYPTION_KEY: .*development token encryption key/);
      expect(refusal({ ...mode, ...real, TOKEN_ENCRYPTION_KEY: '' })).toContain('TOKEN_ENCRYPTION_KEY');
      expect(refusal({ ...mode, ...real, TOKEN_ENCRYPTION_KEY: DEV_TOKEN_KEY })).toContain('TOKEN_ENCRYPTION_KEY');
      expect(() => loadApiConfig({ ...mode, ...real, TOKEN_ENCRYPTION_KEY_FILE: '/run/key' }, () => '\n')).toThrow(/TOKEN_ENCRYPTION_KEY_FILE: the file is empty/);
    }
    // The demo keeps running on it (main.ts warns).
    expect(loadApiConfig({ DEMO: '1' }, noFile).tokenKeys.usingDevKey).toBe(true);
  });

  it('requires AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE with AUTH_JWKS_URL', () => {
    const message = refusal({ AUTH_JWKS_URL: 'https://idp.example.edu/jwks' });
    expect(message).toContain('AUTH_JWT_ISSUER');
    expect(message).toContain('AUTH_JWT_AUDIENCE');
    const config = loadApiConfig({ AUTH_JWKS_URL: 'https://idp.example.edu/jwks', AUTH_JWT_ISSUER: 'https://idp.example.edu', AUTH_JWT_AUDIENCE: 'canvas-sync' }, noFile);
    expect(config.auth).toMatchObject({ secret: undefined, issuer: 'https://idp.example.edu', audience: 'canvas-sync', usingDevSecret: false });
  });

  it('trims a secret with a trailing newline (the shared secret rule)', () => {
    expect(loadApiConfig({ AUTH_JWT_SECRET: 'a-real-secret-of-enough-length\n' }, noFile).auth.secret).toBe('a-real-secret-of-enough-length');
  });

  it('turns private networks on in the demo unless told otherwise', () => {
    expect(loadApiConfig({ DEMO: '1' }, noFile).canvas.allowPrivateNetwork).toBe(true);
    expect(loadApiConfig({ DEMO: '1', CANVAS_ALLOW_PRIVATE_NETWORK: 'false' }, noFile).canvas.allowPrivateNetwork).toBe(false);
    expect(loadApiConfig({ CANVAS_ALLOW_PRIVATE_NETWORK: 'true' }, noFile).canvas.allowPrivateNetwork).toBe(true);
  });

  it('parses hosts, origins and keys', () => {
    const config = loadApiConfig(
      { CANVAS_ALLOWED_HOSTS: '*.instructure.com, canvas.example.edu', CORS_ORIGINS: 'https://app.example.com, http://localhost:5173', TOKEN_ENCRYPTION_KEY: KEY },
      noFile,
    );
    expect(config.canvas.allowedHosts).toEqual(['*.instructure.com', 'canvas.example.edu']);
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.tokenKeys.usingDevKey).toBe(false);
    expect(config.tokenKeys.keys[0]!.key.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('names every bad variable, never echoing a key', () => {
    const message = refusal({ API_PORT: 'seventy', AUTH_JWT_SECRET: 'short', CORS_ORIGINS: 'app.example.com/path', TOKEN_ENCRYPTION_KEY: 'c2hvcnQ=', CANVAS_ALLOW_PRIVATE_NETWORK: 'maybe' });
    expect(message).toContain('API_PORT');
    expect(message).toContain('AUTH_JWT_SECRET');
    expect(message).toContain('CANVAS_ALLOW_PRIVATE_NETWORK');
    expect(message).not.toContain('c2hvcnQ=');
  });

  it('reports CORS origin and key problems once the basic variables are valid', () => {
    const message = refusal({ CORS_ORIGINS: 'app.example.com/path', TOKEN_ENCRYPTION_KEY: 'c2hvcnQ=' });
    expect(message).toContain('CORS_ORIGINS');
    expect(message).toContain('TOKEN_ENCRYPTION_KEY');
    expect(message).not.toContain('c2hvcnQ=');
  });
});

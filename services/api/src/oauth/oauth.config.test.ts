import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../config.js';
import { noFile, refusal } from '../../test/support/config-refusal.js';

const SECRET = 'dev-key-secret-never-echoed';
const CLIENTS = JSON.stringify([{ host: 'canvas.example.edu', clientId: '1000', clientSecret: SECRET }]);
// Production refuses the public development key (shared config rule), so it brings its own.
const PROD = { DEMO: '0', AUTH_JWT_SECRET: 'a-real-secret-of-enough-length', TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };

describe('loadApiConfig: Canvas OAuth2', () => {
  it('defaults PUBLIC_URL to localhost:API_PORT, no keys, pasted tokens allowed', () => {
    const { oauth } = loadApiConfig({ API_PORT: '3100' }, noFile);
    expect(oauth.publicUrl).toBe('http://localhost:3100');
    expect(oauth.redirectUri).toBe('http://localhost:3100/api/v1/canvas/oauth/callback');
    expect(oauth.clients.hosts).toEqual([]);
    expect(oauth.personalTokens).toBe('allow');
  });

  it('denies pasted tokens by default once developer keys are configured, except in the demo or when told', () => {
    const prod = loadApiConfig({ ...PROD, CANVAS_OAUTH_CLIENTS: CLIENTS, PUBLIC_URL: 'https://sync.example.edu/' }, noFile).oauth;
    expect(prod.personalTokens).toBe('deny');
    expect(prod.redirectUri).toBe('https://sync.example.edu/api/v1/canvas/oauth/callback');
    expect(prod.clients.clientFor('https://canvas.example.edu')?.clientId).toBe('1000');
    expect(loadApiConfig({ DEMO: '1', CANVAS_OAUTH_CLIENTS: CLIENTS }, noFile).oauth.personalTokens).toBe('allow');
    expect(loadApiConfig({ ...PROD, CANVAS_OAUTH_CLIENTS: CLIENTS, PUBLIC_URL: 'https://s.edu', CANVAS_PERSONAL_TOKENS: 'allow' }, noFile).oauth.personalTokens).toBe('allow');
    expect(loadApiConfig({ CANVAS_PERSONAL_TOKENS: 'deny' }, noFile).oauth.personalTokens).toBe('deny');
    const fromFile = loadApiConfig({ ...PROD, CANVAS_OAUTH_CLIENTS_FILE: '/run/secrets/canvas-oauth.json', PUBLIC_URL: 'https://s.edu' }, () => CLIENTS);
    expect(fromFile.oauth.clients.hosts).toEqual(['canvas.example.edu']);
  });

  it('refuses bad values naming the variable, never echoing a secret', () => {
    const bad = refusal({ CANVAS_OAUTH_CLIENTS: `[{"host":"x","clientId":"1","clientSecret":"${SECRET}"` });
    expect(bad).toContain('CANVAS_OAUTH_CLIENTS');
    expect(bad).not.toContain(SECRET);
    expect(refusal({ PUBLIC_URL: 'ftp://sync.example.edu' })).toContain('PUBLIC_URL');
    expect(refusal({ PUBLIC_URL: 'https://sync.example.edu/?x=1' })).toContain('PUBLIC_URL');
    expect(refusal({ CANVAS_PERSONAL_TOKENS: 'maybe' })).toContain('CANVAS_PERSONAL_TOKENS');
    expect(refusal({ ...PROD, CANVAS_OAUTH_CLIENTS: CLIENTS })).toMatch(/PUBLIC_URL: is required/);
  });
});

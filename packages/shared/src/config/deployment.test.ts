import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEV_JWT_SECRET, resolveUserTokenConfig, userTokenEnvSchema } from '../auth/auth-config.js';
import { DEV_TOKEN_KEY, devTokenKeyDefault, parseTokenKeys, type TokenKeysConfig } from '../crypto/keys-config.js';
import { deploymentOf, developmentDefaultProblems } from './deployment.js';
import { envSecret, normalizeSecret, readSecretFile } from './secrets.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const PROD = { production: true, demo: false };
const LOCAL = { production: false, demo: false };
const noFile = (path: string): string => {
  throw new Error(`no file ${path}`);
};
const keys = (env: Record<string, string>, readFile: (path: string) => string = noFile) => parseTokenKeys(env, readFile);
const userTokens = (env: Record<string, string>, deployment = PROD) => resolveUserTokenConfig(userTokenEnvSchema.parse(env), deployment);

describe('deploymentOf', () => {
  it('is production with DEMO=0 or NODE_ENV=production, demo with DEMO=1, neither when unset', () => {
    expect(deploymentOf({ DEMO: '0' })).toEqual(PROD);
    expect(deploymentOf({ DEMO: 'false', NODE_ENV: 'development' }).production).toBe(true);
    expect(deploymentOf({ NODE_ENV: 'production' })).toEqual(PROD);
    expect(deploymentOf({ DEMO: '1' })).toEqual({ production: false, demo: true });
    expect(deploymentOf({})).toEqual(LOCAL);
  });
});

describe('the secret trimming rule', () => {
  it('trims surrounding whitespace and treats blank as unset, from env and from files', () => {
    expect(normalizeSecret(' secret-value\n')).toBe('secret-value');
    expect(normalizeSecret('  \n')).toBeUndefined();
    expect(z.object({ S: envSecret }).parse({ S: 'abc\r\n' }).S).toBe('abc');
    expect(readSecretFile('X_FILE', '/k', () => `${KEY}\n`)).toBe(KEY);
  });

  it('refuses an empty secret file instead of falling back to a default', () => {
    expect(() => readSecretFile('X_FILE', '/k', () => '\n')).toThrow('X_FILE: the file is empty');
    const parsed = keys({ TOKEN_ENCRYPTION_KEY_FILE: '/run/key' }, () => '');
    expect(parsed).toMatch(/TOKEN_ENCRYPTION_KEY_FILE: the file is empty/);
  });

  it('reads the same user-token secret whether or not it ends in a newline', () => {
    expect(userTokens({ AUTH_JWT_SECRET: 'a-secret-of-enough-length\n' }).config.secret).toBe('a-secret-of-enough-length');
  });
});

describe('the production rule for development defaults', () => {
  it('lists only the defaults in use, and only in production', () => {
    const defaults = [{ variable: 'A', what: 'a', inUse: true }, { variable: 'B', what: 'b', inUse: false }];
    expect(developmentDefaultProblems(PROD, defaults).map((p) => p.variable)).toEqual(['A']);
    expect(developmentDefaultProblems(LOCAL, defaults)).toEqual([]);
  });

  it('sees the dev token key when unset, blank, or set to the public value, and never a real key', () => {
    const inUse = (env: Record<string, string>) => devTokenKeyDefault(keys(env) as TokenKeysConfig).inUse;
    expect(inUse({})).toBe(true);
    expect(inUse({ TOKEN_ENCRYPTION_KEY: '  ' })).toBe(true);
    expect(inUse({ TOKEN_ENCRYPTION_KEY: DEV_TOKEN_KEY })).toBe(true);
    expect(inUse({ TOKEN_ENCRYPTION_KEYS: `old:${DEV_TOKEN_KEY},new:${KEY}` })).toBe(false);
    expect(inUse({ TOKEN_ENCRYPTION_KEYS: `old:${KEY},dev:${DEV_TOKEN_KEY}` })).toBe(true);
    expect(inUse({ TOKEN_ENCRYPTION_KEY: `${KEY}\n` })).toBe(false);
  });

  it('refuses the dev JWT secret in production, defaulted to or set by hand; the demo only flags it', () => {
    expect(userTokens({}).problems.map((p) => p.variable)).toEqual(['AUTH_JWT_SECRET']);
    expect(userTokens({ AUTH_JWT_SECRET: DEV_JWT_SECRET }).problems.map((p) => p.variable)).toEqual(['AUTH_JWT_SECRET']);
    const local = userTokens({}, LOCAL);
    expect(local.problems).toEqual([]);
    expect(local.config).toMatchObject({ secret: DEV_JWT_SECRET, usingDevSecret: true });
    expect(userTokens({ AUTH_JWT_SECRET: 'a-real-secret-of-enough-length' }).problems).toEqual([]);
  });

  it('requires AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE with AUTH_JWKS_URL, in every deployment', () => {
    const jwks = { AUTH_JWKS_URL: 'https://idp.example.edu/jwks' };
    expect(userTokens(jwks, LOCAL).problems.map((p) => p.variable)).toEqual(['AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE']);
    expect(userTokens({ ...jwks, AUTH_JWT_ISSUER: 'https://idp.example.edu', AUTH_JWT_AUDIENCE: 'canvas-sync' }).problems).toEqual([]);
    expect(userTokens({ ...jwks, AUTH_JWT_ISSUER: 'https://idp.example.edu', AUTH_JWT_AUDIENCE: ' ' }).problems.map((p) => p.variable)).toEqual(['AUTH_JWT_AUDIENCE']);
  });
});

import { describe, expect, it } from 'vitest';
import { envSecret, envSecretWith, normalizeSecret, secretProblems, type SecretRule } from './secrets.js';

const PROD = { production: true, demo: false };
const LOCAL = { production: false, demo: false };
const RULE: SecretRule = { minLength: 16, productionMinLength: 32, devValue: { value: 'dev-only-public-secret-value', what: 'test secret' } };

describe('the secret rule', () => {
  it('trims, and reads blank as unset', () => {
    expect(normalizeSecret('  s3cret\n')).toBe('s3cret');
    expect(normalizeSecret(' \n')).toBeUndefined();
    expect(envSecret.parse(undefined)).toBeUndefined();
  });

  it('refuses a secret below minLength wherever it runs, without echoing it', () => {
    const schema = envSecretWith(RULE);
    expect(schema.parse(' a-secret-of-16-chars \n')).toBe('a-secret-of-16-chars');
    expect(schema.parse('')).toBeUndefined();
    const result = schema.safeParse('too-short');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('must be at least 16 characters (32+ recommended)');
    expect(JSON.stringify(result.error?.issues)).not.toContain('too-short');
    expect(envSecretWith({}).parse('x')).toBe('x');
  });

  it('refuses in production a secret below productionMinLength, and the dev value', () => {
    expect(secretProblems('S', 'x'.repeat(20), RULE, PROD)).toEqual([
      { variable: 'S', message: 'must be at least 32 characters when DEMO=0 or NODE_ENV=production (e.g. `openssl rand -hex 32`)' },
    ]);
    expect(secretProblems('S', 'dev-only-public-secret-value', RULE, PROD)).toEqual([
      { variable: 'S', message: 'is required when DEMO=0 or NODE_ENV=production: the public development test secret is refused (it is printed in the docs)' },
    ]);
    expect(secretProblems('S', 'x'.repeat(32), RULE, PROD)).toEqual([]);
    expect(secretProblems('S', undefined, RULE, PROD)).toEqual([]);
  });

  it('lets the demo and local runs use short and dev secrets', () => {
    expect(secretProblems('S', 'x'.repeat(20), RULE, LOCAL)).toEqual([]);
    expect(secretProblems('S', 'dev-only-public-secret-value', RULE, { production: false, demo: true })).toEqual([]);
  });
});

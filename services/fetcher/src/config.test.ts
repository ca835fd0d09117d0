import { describe, expect, it } from 'vitest';
import { DEV_TOKEN_KEY, isAppError } from '@canvas-sync/shared';
import { loadFetcherConfig } from './config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

/** The message `loadFetcherConfig` refuses `env` with; fails when it accepts it. */
function refusal(env: Record<string, string>): string {
  try {
    loadFetcherConfig(env);
  } catch (err) {
    expect(isAppError(err, 'config_invalid')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('config was accepted');
}

describe('loadFetcherConfig: the token key', () => {
  it('runs on the dev key locally and in the demo (main.ts warns)', () => {
    expect(loadFetcherConfig({}).tokenKeys.usingDevKey).toBe(true);
    expect(loadFetcherConfig({ DEMO: '1' }).tokenKeys.usingDevKey).toBe(true);
  });

  it('refuses the dev key when DEMO=0 or in production: unset, empty or set by hand', () => {
    expect(refusal({ DEMO: '0' })).toContain('TOKEN_ENCRYPTION_KEY');
    expect(refusal({ NODE_ENV: 'production', TOKEN_ENCRYPTION_KEY: '' })).toContain('TOKEN_ENCRYPTION_KEY');
    expect(refusal({ NODE_ENV: 'production', TOKEN_ENCRYPTION_KEY: DEV_TOKEN_KEY })).not.toContain(DEV_TOKEN_KEY);
    expect(loadFetcherConfig({ NODE_ENV: 'production', TOKEN_ENCRYPTION_KEY: `${KEY}\n` }).tokenKeys.usingDevKey).toBe(false);
  });
});

describe('loadFetcherConfig: developer keys for renewing OAuth tokens', () => {
  const SECRET = 'fetcher-config-test-secret-value';

  it('has none by default', () => {
    expect(loadFetcherConfig({}).oauthClients.hosts).toEqual([]);
  });

  it('reads CANVAS_OAUTH_CLIENTS as the api does', () => {
    const config = loadFetcherConfig({ CANVAS_OAUTH_CLIENTS: JSON.stringify([{ host: 'School.Example.edu', clientId: '1', clientSecret: SECRET }]) });
    expect(config.oauthClients.clientFor('https://school.example.edu/')).toEqual({ clientId: '1', clientSecret: SECRET });
  });

  it('refuses bad JSON naming the variable, never the secret, and lists a bad key too', () => {
    const message = refusal({ CANVAS_OAUTH_CLIENTS: `[{"host":"a.edu","clientId":"1","clientSecret":"${SECRET}"`, TOKEN_ENCRYPTION_KEY: 'short' });
    expect(message).toContain('CANVAS_OAUTH_CLIENTS');
    expect(message).toContain('TOKEN_ENCRYPTION_KEY');
    expect(message).not.toContain(SECRET);
  });
});

describe('loadFetcherConfig: answer bytes held at once', () => {
  it('defaults to 128 MiB, above one answer of 16 MiB', () => {
    const { canvas } = loadFetcherConfig({}).limits;
    expect(canvas.maxResponseBytesInFlight).toBe(128 * 1024 * 1024);
    expect(canvas.maxResponseBytesInFlight).toBeGreaterThanOrEqual(canvas.maxResponseBytes);
    expect(loadFetcherConfig({ CANVAS_MAX_RESPONSE_BYTES_IN_FLIGHT: String(16 * 1024 * 1024) }).limits.canvas.maxResponseBytesInFlight).toBe(16 * 1024 * 1024);
  });

  it('refuses a bound below one answer, naming both variables', () => {
    const message = refusal({ CANVAS_MAX_RESPONSE_BYTES: String(32 * 1024 * 1024), CANVAS_MAX_RESPONSE_BYTES_IN_FLIGHT: String(16 * 1024 * 1024) });
    expect(message).toContain('CANVAS_MAX_RESPONSE_BYTES_IN_FLIGHT');
    expect(message).toContain('at least CANVAS_MAX_RESPONSE_BYTES (33554432)');
  });
});

import { describe, expect, it } from 'vitest';
import { isAppError } from '@canvas-sync/shared';
import { loadFetcherConfig } from './config.js';

const SECRET = 'fetcher-config-test-secret-value';

function refusal(env: Record<string, string>): string {
  try {
    loadFetcherConfig(env);
  } catch (err) {
    if (isAppError(err, 'config_invalid')) return `${err.message} ${JSON.stringify(err.details ?? {})}`;
    throw err;
  }
  throw new Error('the config was accepted');
}

describe('loadFetcherConfig: developer keys for renewing OAuth tokens', () => {
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

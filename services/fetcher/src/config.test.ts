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

import { expect } from 'vitest';
import { isAppError } from '@canvas-sync/shared';
import { loadApiConfig } from '../../src/config.js';

/** A file reader for configs that name no files. */
export const noFile = (): never => {
  throw new Error('no file');
};

/** The message with which `loadApiConfig` refuses `env` (a `config_invalid` error); fails if it accepts it. */
export function refusal(env: Record<string, string>): string {
  try {
    loadApiConfig(env, noFile);
  } catch (err) {
    expect(isAppError(err, 'config_invalid')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('config was accepted');
}

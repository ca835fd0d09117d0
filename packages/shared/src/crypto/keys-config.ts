import { z } from 'zod';
import type { DevelopmentDefault } from '../config/deployment.js';
import { normalizeSecret, readSecretFile } from '../config/secrets.js';
import { keyIdOf, parseKey, TokenCipher, type EncryptionKey } from './token-cipher.js';

/** A key printed in docs and used by `npm start`'s demo only; refused in production, warned about elsewhere. */
export const DEV_TOKEN_KEY = 'ZGV2LW9ubHktY2FudmFzLXN5bmMta2V5LTMyYnl0ZXM=';
const DEV_KEY_BYTES = Buffer.from(DEV_TOKEN_KEY, 'base64');

/**
 * `TOKEN_ENCRYPTION_KEY` (one base64 key) or `TOKEN_ENCRYPTION_KEYS` (`id:base64,id:base64`) with
 * `TOKEN_ENCRYPTION_ACTIVE_KEY`; `TOKEN_ENCRYPTION_KEY_FILE` reads the single key from a file
 * (a mounted Kubernetes Secret). Errors name the variable, never the key.
 */
export const tokenKeysEnvSchema = z.object({
  TOKEN_ENCRYPTION_KEY: z.string().optional(),
  TOKEN_ENCRYPTION_KEYS: z.string().optional(),
  TOKEN_ENCRYPTION_ACTIVE_KEY: z.string().optional(),
  TOKEN_ENCRYPTION_KEY_FILE: z.string().optional(),
});

export interface TokenKeysConfig {
  keys: EncryptionKey[];
  activeKeyId: string;
  /** True when new tokens would be encrypted with the public dev key (defaulted to, or set by hand). */
  usingDevKey: boolean;
}

/** Turns the key variables into keys, or returns the problem (for the config loader to list). */
export function parseTokenKeys(env: z.output<typeof tokenKeysEnvSchema>, readFile: (path: string) => string): TokenKeysConfig | string {
  try {
    const list = normalizeSecret(env.TOKEN_ENCRYPTION_KEYS);
    if (list) {
      const keys = list.split(',').map((pair) => {
        const [id, value] = pair.split(':');
        const key = normalizeSecret(value);
        if (!id?.trim() || !key) throw new Error('TOKEN_ENCRYPTION_KEYS must be "id:base64key,id:base64key"');
        return parseKey(id.trim(), key);
      });
      const activeKeyId = normalizeSecret(env.TOKEN_ENCRYPTION_ACTIVE_KEY) ?? keys[keys.length - 1]!.id;
      const active = keys.find((k) => k.id === activeKeyId);
      if (!active) throw new Error(`TOKEN_ENCRYPTION_ACTIVE_KEY "${activeKeyId}" is not in TOKEN_ENCRYPTION_KEYS`);
      // An old dev key may stay listed (to re-encrypt what the demo stored); it must not be the active one.
      return { keys, activeKeyId, usingDevKey: active.key.equals(DEV_KEY_BYTES) };
    }
    const file = normalizeSecret(env.TOKEN_ENCRYPTION_KEY_FILE);
    const single = file ? readSecretFile('TOKEN_ENCRYPTION_KEY_FILE', file, readFile) : normalizeSecret(env.TOKEN_ENCRYPTION_KEY);
    const raw = parseKey('single', single ?? DEV_TOKEN_KEY).key;
    const id = keyIdOf(raw);
    return { keys: [{ id, key: raw }], activeKeyId: id, usingDevKey: raw.equals(DEV_KEY_BYTES) };
  } catch (err) {
    return `TOKEN_ENCRYPTION_KEY(S): ${(err as Error).message}`;
  }
}

/** The dev key as a {@link DevelopmentDefault}, for the shared production rule. */
export function devTokenKeyDefault(config: TokenKeysConfig): DevelopmentDefault {
  return { variable: 'TOKEN_ENCRYPTION_KEY', what: 'token encryption key', inUse: config.usingDevKey };
}

/** The cipher for a parsed key config. */
export function createTokenCipher(config: TokenKeysConfig): TokenCipher {
  return new TokenCipher(config.keys, config.activeKeyId);
}

import { z } from 'zod';
import { keyIdOf, parseKey, TokenCipher, type EncryptionKey } from './token-cipher.js';

/** A key printed in docs and used by `npm start`'s demo only; services warn loudly when they run on it. */
export const DEV_TOKEN_KEY = 'ZGV2LW9ubHktY2FudmFzLXN5bmMta2V5LTMyYnl0ZXM=';

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
  usingDevKey: boolean;
}

/** Turns the key variables into keys, or returns the problem (for the config loader to list). */
export function parseTokenKeys(env: z.output<typeof tokenKeysEnvSchema>, readFile: (path: string) => string): TokenKeysConfig | string {
  try {
    if (env.TOKEN_ENCRYPTION_KEYS) {
      const keys = env.TOKEN_ENCRYPTION_KEYS.split(',').map((pair) => {
        const [id, value] = pair.split(':');
        if (!id || !value) throw new Error('TOKEN_ENCRYPTION_KEYS must be "id:base64key,id:base64key"');
        return parseKey(id.trim(), value);
      });
      const activeKeyId = env.TOKEN_ENCRYPTION_ACTIVE_KEY ?? keys[keys.length - 1]!.id;
      if (!keys.some((k) => k.id === activeKeyId)) throw new Error(`TOKEN_ENCRYPTION_ACTIVE_KEY "${activeKeyId}" is not in TOKEN_ENCRYPTION_KEYS`);
      return { keys, activeKeyId, usingDevKey: false };
    }
    const single = env.TOKEN_ENCRYPTION_KEY_FILE ? readFile(env.TOKEN_ENCRYPTION_KEY_FILE).trim() : env.TOKEN_ENCRYPTION_KEY;
    const value = single && single.length > 0 ? single : DEV_TOKEN_KEY;
    const raw = parseKey('single', value).key;
    const id = keyIdOf(raw);
    return { keys: [{ id, key: raw }], activeKeyId: id, usingDevKey: value === DEV_TOKEN_KEY };
  } catch (err) {
    return `TOKEN_ENCRYPTION_KEY(S): ${(err as Error).message}`;
  }
}

/** The cipher for a parsed key config. */
export function createTokenCipher(config: TokenKeysConfig): TokenCipher {
  return new TokenCipher(config.keys, config.activeKeyId);
}

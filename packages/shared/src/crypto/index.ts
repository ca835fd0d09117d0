export { keyIdOf, parseKey, TokenCipher, type EncryptionKey } from './token-cipher.js';
export { createTokenCipher, DEV_TOKEN_KEY, parseTokenKeys, tokenKeysEnvSchema, type TokenKeysConfig } from './keys-config.js';

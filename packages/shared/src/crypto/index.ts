export { keyIdOf, parseKey, TokenCipher, type EncryptionKey } from './token-cipher.js';
export { createTokenCipher, DEV_TOKEN_KEY, devTokenKeyDefault, parseTokenKeys, tokenKeysEnvSchema, type TokenKeysConfig } from './keys-config.js';
export { rotateTokenKeys, type RotateOptions, type RotationFailure, type RotationReport } from './rotate-token-keys.js';
export { openConnectionTokens, sealConnectionTokens, type ConnectionTokens, type SealedConnectionTokens } from './connection-tokens.js';

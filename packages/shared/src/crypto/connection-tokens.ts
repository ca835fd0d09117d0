import type { TokenCipher } from './token-cipher.js';

/** A connection's tokens in the clear: only ever in memory, for one call to Canvas. */
export interface ConnectionTokens {
  accessToken: string;
  /** OAuth connections only. */
  refreshToken?: string;
}

/** The token columns of a `connections` row as written (both tokens bound to the user id). */
export interface SealedConnectionTokens {
  token_ciphertext: string;
  token_key_id: string;
  refresh_ciphertext: string | null;
  refresh_key_id: string | null;
}

/**
 * Encrypts a connection's access token and (OAuth) refresh token under the active key, each bound
 * to `userId`, as the `connections` columns hold them. Without a refresh token the refresh columns
 * are null, so saving a personal token over an OAuth grant forgets the grant's refresh token.
 */
export function sealConnectionTokens(cipher: TokenCipher, userId: string, tokens: ConnectionTokens): SealedConnectionTokens {
  const access = cipher.encrypt(tokens.accessToken, userId);
  const refresh = tokens.refreshToken === undefined ? undefined : cipher.encrypt(tokens.refreshToken, userId);
  return {
    token_ciphertext: access.ciphertext,
    token_key_id: access.keyId,
    refresh_ciphertext: refresh?.ciphertext ?? null,
    refresh_key_id: refresh?.keyId ?? null,
  };
}

/**
 * Decrypts a connection row's tokens; undefined for a disconnected connection (no access token).
 * Throws (the cipher's error, which names a key id, never a token) when a key is missing or a
 * ciphertext was tampered with.
 */
export function openConnectionTokens(
  cipher: TokenCipher,
  row: { user_id: string } & { [K in keyof SealedConnectionTokens]: string | null },
): ConnectionTokens | undefined {
  if (row.token_ciphertext === null || row.token_key_id === null) return undefined;
  const accessToken = cipher.decrypt(row.token_ciphertext, row.token_key_id, row.user_id);
  if (row.refresh_ciphertext === null || row.refresh_key_id === null) return { accessToken };
  return { accessToken, refreshToken: cipher.decrypt(row.refresh_ciphertext, row.refresh_key_id, row.user_id) };
}

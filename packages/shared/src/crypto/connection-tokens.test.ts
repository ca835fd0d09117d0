import { describe, expect, it } from 'vitest';
import { openConnectionTokens, sealConnectionTokens } from './connection-tokens.js';
import { TokenCipher } from './token-cipher.js';

const cipher = new TokenCipher([{ id: 'k1', key: Buffer.alloc(32, 7) }], 'k1');

describe('sealConnectionTokens / openConnectionTokens', () => {
  it('round-trips both tokens bound to the user, and leaves the refresh columns null without one', () => {
    const sealed = sealConnectionTokens(cipher, 'u1', { accessToken: 'access-1', refreshToken: 'refresh-1' });
    expect(JSON.stringify(sealed)).not.toMatch(/access-1|refresh-1/);
    expect(openConnectionTokens(cipher, { user_id: 'u1', ...sealed })).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    expect(() => openConnectionTokens(cipher, { user_id: 'u2', ...sealed })).toThrow();
    const personal = sealConnectionTokens(cipher, 'u1', { accessToken: 'pat' });
    expect(personal.refresh_ciphertext).toBeNull();
    expect(openConnectionTokens(cipher, { user_id: 'u1', ...personal })).toEqual({ accessToken: 'pat' });
    expect(openConnectionTokens(cipher, { user_id: 'u1', token_ciphertext: null, token_key_id: null, refresh_ciphertext: null, refresh_key_id: null })).toBeUndefined();
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenCipher } from './token-cipher.js';

const cipher = new TokenCipher([{ id: 'k1', key: randomBytes(32) }], 'k1');

describe('TokenCipher', () => {
  it('round-trips a token bound to its user', () => {
    const { keyId, ciphertext } = cipher.encrypt('7~secret-token', 'user-1');
    expect(cipher.decrypt(ciphertext, keyId, 'user-1')).toBe('7~secret-token');
    expect(() => cipher.decrypt(ciphertext, keyId, 'user-2')).toThrow();
  });

  it('refuses a ciphertext whose 16-byte GCM tag was truncated', () => {
    // An empty plaintext is iv (12) + tag (16). Cut to iv + 4 tag bytes, GCM checks only those 4
    // bytes unless told the tag's length: a forgery would need 2^32 tries, not 2^128.
    const { keyId, ciphertext } = cipher.encrypt('', 'user-1');
    const truncated = Buffer.from(ciphertext, 'base64').subarray(0, 16).toString('base64');
    expect(() => cipher.decrypt(truncated, keyId, 'user-1')).toThrow(/too short/);
  });

  it('refuses a ciphertext shorter than iv + tag, and an empty one', () => {
    expect(() => cipher.decrypt(Buffer.alloc(27).toString('base64'), 'k1', 'user-1')).toThrow(/too short/);
    expect(() => cipher.decrypt('', 'k1', 'user-1')).toThrow(/too short/);
  });

  it('never echoes the ciphertext or key in its errors', () => {
    const { ciphertext } = cipher.encrypt('7~secret-token', 'user-1');
    const err = (() => {
      try {
        cipher.decrypt(ciphertext.slice(0, 20), 'k1', 'user-1');
      } catch (e) {
        return e as Error;
      }
      return new Error('none');
    })();
    expect(err.message).not.toContain(ciphertext.slice(0, 20));
  });
});

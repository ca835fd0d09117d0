import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A 32-byte AES key with the id stored beside every ciphertext it made. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** Parses one base64 key; throws a message that never echoes the key itself. */
export function parseKey(id: string, base64: string): EncryptionKey {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== 32) throw new Error(`key "${id}" must be 32 bytes of base64 (got ${key.length} bytes)`);
  return { id, key };
}

const IV_BYTES = 12;
/** GCM's full tag. Node checks only as many tag bytes as it is given unless told the length. */
const TAG_BYTES = 16;

/** A short, stable, non-reversible id for a key (when the operator gave none). */
export function keyIdOf(key: Buffer): string {
  return `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/**
 * AES-256-GCM for Canvas tokens at rest. Encrypts with the active key; decrypts with whichever key
 * id the ciphertext names, so keys rotate without a flag day (old rows stay readable until
 * re-encrypted). The user id is bound as additional data: a ciphertext copied to another user's
 * row does not decrypt.
 */
export class TokenCipher {
  private readonly keys: Map<string, Buffer>;

  constructor(
    keys: EncryptionKey[],
    private readonly activeKeyId: string,
  ) {
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    if (!this.keys.has(activeKeyId)) throw new Error(`active key "${activeKeyId}" is not among the configured keys`);
  }

  get activeKey(): string {
    return this.activeKeyId;
  }

  /** True when a key with this id is configured (a stored token under it can be decrypted). */
  hasKey(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  encrypt(plaintext: string, userId: string): { keyId: string; ciphertext: string } {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeKeyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(userId, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.activeKeyId, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
  }

  decrypt(ciphertext: string, keyId: string, userId: string): string {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`no key "${keyId}" to decrypt a stored token; add it to TOKEN_ENCRYPTION_KEYS`);
    const raw = Buffer.from(ciphertext, 'base64');
    // A shorter ciphertext would hand GCM a truncated tag, which it would check only in part.
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('stored token ciphertext is too short (truncated or not ours)');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(userId, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

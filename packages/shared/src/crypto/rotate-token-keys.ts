import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { TokenCipher } from './token-cipher.js';

/** A connection whose token could not be moved to the active key; it is left exactly as it was. */
export interface RotationFailure {
  connectionId: string;
  userId: string;
  keyId: string;
  /** `unknown_key`: its key id is not configured; `undecryptable`: the key is there but the ciphertext does not open with it. */
  reason: 'unknown_key' | 'undecryptable';
}

/** What one run did. */
export interface RotationReport {
  activeKeyId: string;
  /** Rows re-encrypted under the active key (or that would be, in a dry run). */
  rotated: number;
  failed: RotationFailure[];
  /** Rows found under each key id other than the active one, before the run. */
  byKeyId: Record<string, number>;
  dryRun: boolean;
}

/** Options of {@link rotateTokenKeys}. */
export interface RotateOptions {
  /** Rows per transaction (default 200): short transactions, short row locks. */
  batchSize?: number;
  /** Count and try to decrypt, write nothing. */
  dryRun?: boolean;
  /** Called after each batch (progress for the command's log). */
  onBatch?: (done: { rotated: number; failed: number }) => void;
}

/**
 * Re-encrypts every stored Canvas token that is not under the cipher's active key: decrypt with
 * the key its row names, encrypt with the active key, in batches, one transaction per batch. Rows
 * are locked (`FOR UPDATE`) while they are rewritten and the update only applies if the row still
 * holds the ciphertext that was read, so a user saving a new token meanwhile is never overwritten.
 * A row whose key is unknown or whose ciphertext does not decrypt is reported and left untouched,
 * never destroyed. Idempotent: rows already under the active key are not selected, so a second run
 * does nothing but report the same failures.
 */
export async function rotateTokenKeys(db: Kysely<Database>, cipher: TokenCipher, options: RotateOptions = {}): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 200;
  const dryRun = options.dryRun ?? false;
  const active = cipher.activeKey;
  const counts = await db
    .selectFrom('connections')
    .select(['token_key_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('token_key_id', '!=', active)
    .groupBy('token_key_id')
    .execute();
  const report: RotationReport = { activeKeyId: active, rotated: 0, failed: [], byKeyId: Object.fromEntries(counts.map((c) => [c.token_key_id ?? '', Number(c.n)])), dryRun };
  let after: string | undefined;
  for (;;) {
    const rows = await db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('connections')
        .select(['id', 'user_id', 'token_key_id', 'token_ciphertext'])
        // A disconnected connection has no token to rotate (`!=` never matches its null key id).
        .where('token_key_id', '!=', active)
        .$narrowType<{ token_key_id: string; token_ciphertext: string }>()
        .orderBy('id')
        .limit(batchSize)
        .forUpdate();
      // Keyset paging: failed rows stay behind the cursor instead of being selected forever.
      if (after !== undefined) query = query.where('id', '>', after);
      const batch = await query.execute();
      for (const row of batch) {
        const failure = { connectionId: row.id, userId: row.user_id, keyId: row.token_key_id };
        if (!cipher.hasKey(row.token_key_id)) {
          report.failed.push({ ...failure, reason: 'unknown_key' });
          continue;
        }
        let plaintext: string;
        try {
          plaintext = cipher.decrypt(row.token_ciphertext, row.token_key_id, row.user_id);
        } catch {
          report.failed.push({ ...failure, reason: 'undecryptable' });
          continue;
        }
        const sealed = cipher.encrypt(plaintext, row.user_id);
        if (!dryRun) {
          await trx
            .updateTable('connections')
            .set({ token_ciphertext: sealed.ciphertext, token_key_id: sealed.keyId })
            .where('id', '=', row.id)
            .where('token_ciphertext', '=', row.token_ciphertext)
            .execute();
        }
        report.rotated += 1;
      }
      return batch;
    });
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    options.onBatch?.({ rotated: report.rotated, failed: report.failed.length });
    if (rows.length < batchSize) break;
  }
  return report;
}

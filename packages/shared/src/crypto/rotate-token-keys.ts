import { sql, type Kysely } from 'kysely';
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
 * Re-encrypts every stored Canvas token that is not under the cipher's active key — access tokens
 * and OAuth refresh tokens alike: decrypt with the key its column names, encrypt with the active
 * key, in batches, one transaction per batch. Rows are locked (`FOR UPDATE`) while they are
 * rewritten and the update only applies if the row still holds the ciphertexts that were read, so
 * a user saving a new token (or a fetcher refreshing one) meanwhile is never overwritten. A row
 * with a token whose key is unknown or whose ciphertext does not decrypt is reported and left
 * untouched, never destroyed (both of its tokens: a row is moved whole or not at all). Idempotent:
 * rows already under the active key are not selected, so a second run does nothing but report the
 * same failures.
 */
export async function rotateTokenKeys(db: Kysely<Database>, cipher: TokenCipher, options: RotateOptions = {}): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 200;
  const dryRun = options.dryRun ?? false;
  const active = cipher.activeKey;
  const byKeyId: Record<string, number> = {};
  for (const column of ['token_key_id', 'refresh_key_id'] as const) {
    const counts = await db
      .selectFrom('connections')
      .select([column, (eb) => eb.fn.countAll<number>().as('n')])
      .where(column, '!=', active)
      .groupBy(column)
      .execute();
    for (const c of counts) {
      const id = (c as Record<string, unknown>)[column] as string;
      byKeyId[id] = (byKeyId[id] ?? 0) + Number(c.n);
    }
  }
  const report: RotationReport = { activeKeyId: active, rotated: 0, failed: [], byKeyId, dryRun };
  let after: string | undefined;
  for (;;) {
    const rows = await db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('connections')
        .select(['id', 'user_id', 'token_key_id', 'token_ciphertext', 'refresh_key_id', 'refresh_ciphertext'])
        // A disconnected connection has no token to rotate (`!=` never matches a null key id).
        .where((eb) => eb.or([eb('token_key_id', '!=', active), eb('refresh_key_id', '!=', active)]))
        .orderBy('id')
        .limit(batchSize)
        .forUpdate();
      // Keyset paging: failed rows stay behind the cursor instead of being selected forever.
      if (after !== undefined) query = query.where('id', '>', after);
      const batch = await query.execute();
      for (const row of batch) {
        const moved = reseal(cipher, row, report);
        if (!moved) continue;
        if (!dryRun) {
          await trx
            .updateTable('connections')
            .set(moved)
            .where('id', '=', row.id)
            .where(sql<boolean>`token_ciphertext IS NOT DISTINCT FROM ${row.token_ciphertext}`)
            .where(sql<boolean>`refresh_ciphertext IS NOT DISTINCT FROM ${row.refresh_ciphertext}`)
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

interface SealedRow {
  id: string;
  user_id: string;
  token_key_id: string | null;
  token_ciphertext: string | null;
  refresh_key_id: string | null;
  refresh_ciphertext: string | null;
}

/** The row's token columns under the active key, or undefined (and a failure reported) when one cannot be opened. */
function reseal(cipher: TokenCipher, row: SealedRow, report: RotationReport): Partial<SealedRow> | undefined {
  const moved: Partial<SealedRow> = {};
  const columns = [
    { keyId: row.token_key_id, ciphertext: row.token_ciphertext, keyColumn: 'token_key_id', textColumn: 'token_ciphertext' },
    { keyId: row.refresh_key_id, ciphertext: row.refresh_ciphertext, keyColumn: 'refresh_key_id', textColumn: 'refresh_ciphertext' },
  ] as const;
  for (const column of columns) {
    if (column.keyId === null || column.ciphertext === null || column.keyId === cipher.activeKey) continue;
    const failure = { connectionId: row.id, userId: row.user_id, keyId: column.keyId };
    if (!cipher.hasKey(column.keyId)) {
      report.failed.push({ ...failure, reason: 'unknown_key' });
      return undefined;
    }
    let plaintext: string;
    try {
      plaintext = cipher.decrypt(column.ciphertext, column.keyId, row.user_id);
    } catch {
      report.failed.push({ ...failure, reason: 'undecryptable' });
      return undefined;
    }
    const sealed = cipher.encrypt(plaintext, row.user_id);
    moved[column.keyColumn] = sealed.keyId;
    moved[column.textColumn] = sealed.ciphertext;
  }
  return moved;
}

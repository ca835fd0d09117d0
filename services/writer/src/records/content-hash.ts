import { createHash } from 'node:crypto';

/**
 * The hash of a row's content as Canvas sent it. Equal hashes mean nothing changed, so the row is
 * counted `unchanged` and not rewritten (incremental syncs write only real changes).
 */
export function contentHash(raw: unknown): string {
  return createHash('sha256').update(JSON.stringify(raw)).digest('base64url');
}

import { createHash } from 'node:crypto';

/**
 * The hash of a row's content as Canvas sent it. Equal hashes mean nothing changed, so the row is
 * counted `unchanged` and not rewritten (incremental syncs write only real changes). `json` is
 * `JSON.stringify(raw)` when the caller has it already.
 */
export function contentHash(raw: unknown, json: string = JSON.stringify(raw)): string {
  return createHash('sha256').update(json).digest('base64url');
}

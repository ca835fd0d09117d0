import { hash } from 'node:crypto';

/**
 * The hash of a row's content as Canvas sent it: sha256, base64url, of `JSON.stringify(row)`.
 * Stored with each row (`content_hash`). The writer takes it of the row parsed from a
 * `sync.records` part, the fetcher of the row parsed from Canvas's answer (to name the rows it
 * finds unchanged instead of sending them, `SyncRecords.unchanged`): the same text, since a part
 * carries each row as that very `JSON.stringify` output, and parsing and stringifying it again
 * gives it back (content-hash.test.ts). Equal hashes mean nothing changed. `json` is
 * `JSON.stringify(raw)` when the caller has it already. One-shot `hash` (Node ≥ 20.12): no Hash
 * object per row, which was a third of the hashing's CPU (issue #15 profile).
 */
export function contentHash(raw: unknown, json: string = JSON.stringify(raw)): string {
  return hash('sha256', json, 'base64url');
}

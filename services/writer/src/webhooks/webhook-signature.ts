import { createHmac } from 'node:crypto';

/** The header every delivery carries; host apps verify it (docs/webhooks.md). */
export const SIGNATURE_HEADER = 'Canvas-Sync-Signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The timestamp is inside the
 * signed text, so a receiver that rejects old timestamps also rejects a replayed body; it is the
 * time of this attempt (a retry is signed afresh), not the event's.
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

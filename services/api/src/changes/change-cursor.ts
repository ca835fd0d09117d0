import { createHash } from 'node:crypto';

/**
 * Feed cursors are opaque to clients: `c1.<seq in base 36>.<8 hex of sha256(user id)>`. The seq is
 * the last one the client has seen; the user tag makes another user's cursor invalid here (it
 * would otherwise silently skip this user's changes up to that other user's position).
 */
const userTag = (userId: string) => createHash('sha256').update(userId, 'utf8').digest('hex').slice(0, 8);

export function encodeCursor(userId: string, seq: number): string {
  return `c1.${seq.toString(36)}.${userTag(userId)}`;
}

/** The seq a cursor stands for, or undefined when it is not a cursor of this user. */
export function decodeCursor(userId: string, cursor: string): number | undefined {
  const m = /^c1\.([0-9a-z]{1,11})\.([0-9a-f]{8})$/.exec(cursor);
  if (!m || m[2] !== userTag(userId)) return undefined;
  const seq = parseInt(m[1]!, 36);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

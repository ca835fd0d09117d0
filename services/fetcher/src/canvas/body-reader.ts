import { AppError } from '@canvas-sync/shared';
import type { AnswerBytes } from './answer-bytes.js';

const tooLarge = (path: string, limit: number) => new AppError('canvas_response_too_large', `Canvas sent more than ${limit} bytes for ${path}; the answer was refused.`);
const busy = (path: string, account: AnswerBytes, full: 'process' | 'share') =>
  new AppError(
    'canvas_busy',
    full === 'process'
      ? `This fetcher already holds ${account.limit} bytes of Canvas answers; the answer for ${path} was dropped and the work will be retried.`
      : `This Canvas token already holds ${account.share} bytes of answers being read; the answer for ${path} was dropped and the work will be retried.`,
  );

/**
 * Reads an answer's body, counting the bytes as they arrive — after gzip/br decoding, so a small
 * compressed bomb is counted at its real size — and stops reading past `maxBytes`. A
 * `Content-Length` above the limit is refused before any byte is read. A dropped connection is
 * `canvas_unavailable` (retried); the request's timeout firing while the body trickles in is
 * `canvas_time_limit` (not retried). With an `account` (the process's {@link AnswerBytes}) every
 * chunk is reserved from it for `owner` (the token's fingerprint) as it arrives and all of it is
 * given back when the body ends — read, refused or broken off; a chunk the account has no room
 * for (the process's or the owner's share) drops the answer at once with `canvas_busy` (retried
 * later), never waiting for room.
 */
export async function readBoundedBody(res: Response, maxBytes: number, path: string, account?: AnswerBytes, owner?: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(path, maxBytes);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let reserved = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(path, maxBytes);
      }
      if (account) {
        const full = account.tryReserve(value.byteLength, owner);
        if (full) {
          await reader.cancel().catch(() => undefined);
          throw busy(path, account, full);
        }
        reserved += value.byteLength;
      }
      chunks.push(value);
    }
    // Decoded while still reserved: the chunks and the text exist side by side for a moment.
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (err) {
    if (err instanceof AppError) throw err;
    // The request's timeout fired while bytes were still coming: a trickling body, not an outage.
    // Retrying it would only trickle again (and open the circuit for every user of the host).
    if ((err as Error | null)?.name === 'TimeoutError') throw new AppError('canvas_time_limit', `Canvas took too long to send the answer for ${path}; refused.`, { cause: err });
    throw new AppError('canvas_unavailable', `Canvas broke off the answer for ${path}.`, { cause: err });
  } finally {
    account?.release(reserved, owner);
  }
}

/**
 * True when JSON `text` nests arrays/objects deeper than `maxDepth`. One linear pass that skips
 * strings; it runs before `JSON.parse` on answers too large to parse first (json-answer.ts),
 * because what handles the parsed value later (stringify, the writer) recurses and a
 * 100,000-deep answer would overflow the stack there. Strings (most of
 * an answer: HTML descriptions) are jumped over with `indexOf` rather than read a character at a
 * time: the scan was 4 % of the fetcher's CPU (docs/performance.md).
 */
export function jsonTooDeep(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i);
      if (i < 0) return false; // unterminated: JSON.parse refuses it
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Index of the quote closing the string opened at `open`: the next one not escaped by an odd run of backslashes; −1 if none. */
function stringEnd(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return -1;
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return at;
  }
}

import { AppError } from '@canvas-sync/shared';
import { jsonTooDeep } from './body-reader.js';

/**
 * Answers up to this size are parsed before their depth is checked. V8's `JSON.parse` does not
 * recurse, so a deep answer cannot overflow the stack there; what the limit protects is what
 * recurses later (stringify, the writer). A deep answer of 1 MiB parses into ~29 MiB of heap in
 * ~0.35 s, the same order as a wide one of that size (~22 MiB), and far under what one of 16 MiB
 * (`maxResponseBytes`) can already cost. Above this size the text is scanned first, so a deep
 * answer is never built: a 16 MiB `[[[…` would be ~460 MiB.
 */
export const PARSE_FIRST_MAX_BYTES = 1024 * 1024;

/**
 * Parses a Canvas answer's JSON, refusing one nested deeper than `maxDepth`
 * (`canvas_response_too_large`) or malformed (`canvas_bad_response`). Parsing first and walking
 * the parsed containers is ~5× cheaper than scanning the text, most of which is strings (HTML
 * descriptions); the scan was as costly as the parse itself (docs/performance.md). A malformed
 * answer is scanned too, so its code is the one the scan-first order gave. The one difference: a
 * deep value under a key repeated later is dropped by the parse and not counted, since nothing
 * deep is kept.
 */
export function parseJsonAnswer(text: string, maxDepth: number, path: string, parseFirstBytes = PARSE_FIRST_MAX_BYTES): unknown {
  const tooDeep = () => new AppError('canvas_response_too_large', `Canvas nested the answer for ${path} deeper than ${maxDepth} levels; refused.`);
  // Characters, not bytes: never more than the UTF-8 size, so the bound holds.
  const parseFirst = text.length <= parseFirstBytes;
  if (!parseFirst && jsonTooDeep(text, maxDepth)) throw tooDeep();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (parseFirst && jsonTooDeep(text, maxDepth)) throw tooDeep();
    throw new AppError('canvas_bad_response', `Canvas sent malformed JSON for ${path}.`);
  }
  if (parseFirst && valueTooDeep(body, maxDepth)) throw tooDeep();
  return body;
}

/** True when a parsed value nests arrays/objects deeper than `maxDepth`; iterative (the limit may be 10,000). */
export function valueTooDeep(root: unknown, maxDepth: number): boolean {
  const values: unknown[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth + 1 > maxDepth) return true;
    if (Array.isArray(value)) {
      for (const item of value) pushContainer(values, depths, item, depth + 1);
    } else {
      for (const key in value) pushContainer(values, depths, (value as Record<string, unknown>)[key], depth + 1);
    }
  }
  return false;
}

/** Only containers are queued: the scalars of a page (most of its values) cost one type check. */
function pushContainer(values: unknown[], depths: number[], item: unknown, depth: number): void {
  if (item !== null && typeof item === 'object') {
    values.push(item);
    depths.push(depth);
  }
}

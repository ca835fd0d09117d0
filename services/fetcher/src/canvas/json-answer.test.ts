import { describe, expect, it } from 'vitest';
import { isAppError } from '@canvas-sync/shared';
import { jsonTooDeep } from './body-reader.js';
import { parseJsonAnswer } from './json-answer.js';

/** What the client did before parsing first: scan the text, then parse it. */
function scanThenParse(text: string, maxDepth: number): unknown {
  if (jsonTooDeep(text, maxDepth)) return 'canvas_response_too_large';
  try {
    return JSON.parse(text);
  } catch {
    return 'canvas_bad_response';
  }
}

function outcome(text: string, maxDepth: number, parseFirstBytes?: number): unknown {
  try {
    return parseJsonAnswer(text, maxDepth, '/x', parseFirstBytes);
  } catch (err) {
    return isAppError(err) ? err.code : err;
  }
}

/** Seeded nested values: arrays, objects, strings holding brackets, quotes and backslashes. */
function generated(seed: number, depth: number): unknown {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const value = (d: number): unknown => {
    const r = next();
    if (d >= depth || r < 0.3) return r < 0.1 ? null : r < 0.2 ? `s"[{\\${'['.repeat(Math.floor(r * 40))}` : Math.floor(r * 1000);
    const n = Math.floor(next() * 4);
    if (r < 0.65) return Array.from({ length: n }, () => value(d + 1));
    return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}[`, value(d + 1)]));
  };
  return value(1);
}

describe('parseJsonAnswer', () => {
  it('decides as the text scan followed by a parse did, on generated answers at every depth limit', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const text = JSON.stringify([generated(seed, 9)]);
      for (const maxDepth of [1, 2, 3, 5, 8, 12]) {
        expect(outcome(text, maxDepth)).toEqual(scanThenParse(text, maxDepth));
        expect(outcome(text, maxDepth, 0)).toEqual(scanThenParse(text, maxDepth));
      }
    }
  });

  it('refuses a deep answer parsed first, and above the parse-first size without parsing it', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(outcome(deep, 64)).toBe('canvas_response_too_large');
    expect(outcome(deep, 64, 1_000)).toBe('canvas_response_too_large');
    expect(outcome('[[[[]]]]', 3)).toBe('canvas_response_too_large');
    expect(outcome('[[[]]]', 3)).toEqual([[[]]]);
    expect(outcome('{"a":[{"b":"[[[[[["}]}', 3)).toEqual({ a: [{ b: '[[[[[[' }] });
  });

  it('keeps the codes of malformed answers: too deep before the error wins, as when the scan came first', () => {
    expect(outcome('[[[[[1,', 3)).toBe('canvas_response_too_large');
    expect(outcome('[[1,', 3)).toBe('canvas_bad_response');
    expect(outcome('<html>', 3)).toBe('canvas_bad_response');
    expect(outcome('', 3)).toBe('canvas_bad_response');
  });

  it('does not count a deep value that JSON drops under a repeated key (nothing deep is kept)', () => {
    expect(outcome('{"a":[[[[1]]]],"a":1}', 3)).toEqual({ a: 1 });
    expect(outcome('{"a":[[[[1]]]],"a":1}', 3, 0)).toBe('canvas_response_too_large');
  });
});

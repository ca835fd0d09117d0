import { describe, expect, it } from 'vitest';
import { jsonTooDeep } from './body-reader.js';

describe('jsonTooDeep', () => {
  it('counts nesting of arrays and objects, not brackets inside strings', () => {
    expect(jsonTooDeep('[[[1]]]', 3)).toBe(false);
    expect(jsonTooDeep('[[[[1]]]]', 3)).toBe(true);
    expect(jsonTooDeep('[{"a":"[[[[[[{{{{"}]', 3)).toBe(false);
    expect(jsonTooDeep(`[{"a":"${'['.repeat(50)}"}]`, 3)).toBe(false);
  });

  it('ends a string only at a quote not escaped by an odd run of backslashes', () => {
    // "x\"[[[[" is one string; "y\\" ends at its last quote, so the brackets after it count.
    expect(jsonTooDeep(String.raw`[{"a":"x\"[[[[[["}]`, 3)).toBe(false);
    expect(jsonTooDeep(String.raw`[{"a":"y\\"},[[[[1]]]]]`, 3)).toBe(true);
    expect(jsonTooDeep(String.raw`[{"a":"z\\\"[[[[[["}]`, 3)).toBe(false);
  });

  it('matches a parse of the same text on a generated answer', () => {
    const row = { id: 1, description: '<p class="x">a "quoted" \\ [bracket] {brace}</p>', nested: { list: [[1, 2], { deep: [3] }] } };
    const text = JSON.stringify([row, row]);
    expect(jsonTooDeep(text, 6)).toBe(false);
    expect(jsonTooDeep(text, 5)).toBe(true);
    expect(jsonTooDeep('["unterminated', 1)).toBe(false);
  });
});

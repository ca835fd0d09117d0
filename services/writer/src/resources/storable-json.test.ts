import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storableString } from './fit.js';
import { storableJson } from './storable-json.js';

const made = (raw: Record<string, unknown>) => storableJson(raw, JSON.stringify(raw));

/** Every string and key of a JSON value, at any depth. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
  return [];
}

describe('storableJson: raw made storable in jsonb', () => {
  it('replaces U+0000 and unpaired surrogates in values and keys at any depth by U+FFFD', () => {
    const raw = { id: 1, name: 'a\u0000b', deep: [{ ['k\u0000']: { x: ['\ud800', 'ok'] } }], pair: '\ud83d\ude00' };
    const { value, replaced } = made(raw);
    expect(replaced).toBe(true);
    expect(value).toEqual({ id: 1, name: 'a\ufffdb', deep: [{ ['k\ufffd']: { x: ['\ufffd', 'ok'] } }], pair: '\ud83d\ude00' });
    expect(raw.name).toBe('a\u0000b');
  });

  it('returns the row itself when nothing needs replacing (also for the text `\\u0000`)', () => {
    const raw = { id: 1, description: 'C:\\u0000 is a literal backslash', n: 1e308 };
    const out = made(raw);
    expect(out).toEqual({ value: raw, replaced: false });
    expect(out.value).toBe(raw);
  });

  it('keeps a `__proto__` key a key', () => {
    const raw = JSON.parse('{"id":1,"__proto__":{"a":"\\u0000"}}') as Record<string, unknown>;
    const { value } = made(raw);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(JSON.stringify(value)).toBe('{"id":1,"__proto__":{"a":"\ufffd"}}');
  });

  it('leaves nothing unstorable, and changes nothing that was storable', () => {
    const text = fc.string({ unit: 'binary', maxLength: 8 });
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(text, tie('value'), { maxKeys: 3 })),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(text, json, { maxKeys: 4 }), (raw) => {
        const { value, replaced } = made(raw);
        expect(strings(value).every(storableString)).toBe(true);
        const clean = strings(raw).every(storableString);
        expect(replaced).toBe(!clean);
        if (clean) expect(value).toBe(raw);
      }),
      { numRuns: 1000 },
    );
  });
});

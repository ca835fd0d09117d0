import { storableString, UNSTORABLE_ALL } from './fit.js';

// JSON.stringify writes U+0000 as `\u0000` and a lone surrogate as `\udXXX`, so their absence
// from the serialized text proves the value storable without walking it (the common case).
// A match may be a false alarm (an escaped backslash before `u0000`); the walk then finds nothing.
// Most rows have no `\u` escape at all, which `includes` tells faster than the regex.
const MAYBE_UNSTORABLE = /\\u0000|\\ud[89a-f]/;

/**
 * `raw` made storable in `jsonb`, which refuses U+0000 and unpaired UTF-16 surrogates in strings
 * and keys at any depth: each such code unit becomes U+FFFD (REPLACEMENT CHARACTER), as
 * `String.prototype.toWellFormed` does for surrogates. Lossy by design, and only for such values:
 * every other string, number and key is kept exactly. `json` is `JSON.stringify(raw)` (already
 * computed for the content hash). Returns `raw` itself when nothing needed replacing.
 */
export function storableJson(raw: Record<string, unknown>, json: string): { value: Record<string, unknown>; replaced: boolean } {
  if (!json.includes('\\u') || !MAYBE_UNSTORABLE.test(json)) return { value: raw, replaced: false };
  const state = { replaced: false };
  const value = walk(raw, state) as Record<string, unknown>;
  return state.replaced ? { value, replaced: true } : { value: raw, replaced: false };
}

function fix(s: string, state: { replaced: boolean }): string {
  if (storableString(s)) return s;
  state.replaced = true;
  return s.replace(UNSTORABLE_ALL, '\ufffd');
}

function walk(v: unknown, state: { replaced: boolean }): unknown {
  if (typeof v === 'string') return fix(v, state);
  if (Array.isArray(v)) return v.map((x) => walk(x, state));
  if (v !== null && typeof v === 'object') {
    // fromEntries defines own properties: a `__proto__` key stays a key, as JSON.parse made it.
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [fix(k, state), walk(x, state)]));
  }
  return v;
}

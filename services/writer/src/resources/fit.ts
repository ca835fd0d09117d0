/**
 * Conversions of Canvas values to typed columns (DESIGN.md "Limits on what Canvas sends"). Each
 * returns the value to store, `null` when Canvas sent nothing (null or absent), or {@link UNFIT}
 * when Canvas sent a value the column cannot hold: the column is then stored `NULL`, `raw` keeps
 * the value and the sync gets a warning. A value Postgres would refuse must never reach it: one
 * refused row fails the whole part, and the part is retried until the stall watchdog fails the sync.
 */
export const UNFIT: unique symbol = Symbol('unfit');
export type Fit<T> = T | null | typeof UNFIT;

const INT4_MIN = -(2 ** 31);
const INT4_MAX = 2 ** 31 - 1;

const absent = (v: unknown): v is null | undefined => v === null || v === undefined;

/**
 * U+0000 (refused by `text` and `jsonb`) or a UTF-16 surrogate without its pair (refused by
 * `jsonb`; not valid UTF-8 for `text`).
 */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** {@link UNSTORABLE}, every occurrence (for replacing). */
export const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** True when Postgres `text`/`jsonb` can hold `s` as it is. */
export function storableString(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/** `text`: a string Postgres can hold. */
export function fitText(v: unknown): Fit<string> {
  if (absent(v)) return null;
  return typeof v === 'string' && storableString(v) ? v : UNFIT;
}

/** `bigint` Canvas ids: JSON integers, non-negative and exact in a double (CANVAS.md). */
export function fitId(v: unknown): Fit<number> {
  if (absent(v)) return null;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : UNFIT;
}

/** `integer` (int4): −2³¹ … 2³¹−1. */
export function fitInt4(v: unknown): Fit<number> {
  if (absent(v)) return null;
  return typeof v === 'number' && Number.isInteger(v) && v >= INT4_MIN && v <= INT4_MAX ? v : UNFIT;
}

/** `double precision`: any finite number (a JSON number too large for a double parses as ±Infinity). */
export function fitDouble(v: unknown): Fit<number> {
  if (absent(v)) return null;
  return typeof v === 'number' && Number.isFinite(v) ? v : UNFIT;
}

/** `boolean`. */
export function fitBool(v: unknown): Fit<boolean> {
  if (absent(v)) return null;
  return typeof v === 'boolean' ? v : UNFIT;
}

/** `timestamptz`: an ISO-8601 date-time string (see {@link isIsoTimestamp}), stored as sent. */
export function fitTimestamp(v: unknown): Fit<string> {
  if (absent(v)) return null;
  return typeof v === 'string' && isIsoTimestamp(v) ? v : UNFIT;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2})(?::?(\d{2}))?)$/;

/**
 * Strict ISO-8601 date-time with an offset, as Canvas sends it (`2024-01-15T23:59:00Z`,
 * `…T23:59:00.123-06:00`): `YYYY-MM-DDThh:mm[:ss[.f…f]]` then `Z` or `±hh[[:]mm]`. The date must
 * exist in the proleptic Gregorian calendar (no 2024-02-30), the year is 0001–9999, hours 00–23,
 * minutes and seconds 00–59 (no leap second), at most 9 fraction digits, the offset at most
 * ±15:59 (Postgres's limit). Every string accepted here is accepted by Postgres `timestamptz`
 * (services/writer/test/fit-postgres.int.test.ts checks it against a real server). A value without an offset is refused: its instant
 * would depend on the server's time zone. `Date.parse` is far looser (it takes `"1"` and
 * `"2024-02-30"`), which Postgres refuses.
 */
export function isIsoTimestamp(s: string): boolean {
  // The regex checks the shape; the numbers are read at their fixed offsets (no match array,
  // no substrings: this runs for every date of every row, issue #15).
  if (!ISO.test(s)) return false;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (digits(s, 11, 2) > 23 || digits(s, 14, 2) > 59 || (s.charCodeAt(16) === COLON && digits(s, 17, 2) > 59)) return false;
  // The offset, when not `Z`: its sign is the only `+` or `-` after the date; `hh`, then `mm` (with or without `:`) if any.
  if (!s.endsWith('Z')) {
    const sign = Math.max(s.lastIndexOf('+'), s.lastIndexOf('-'));
    if (digits(s, sign + 1, 2) > 15 || (s.length - sign > 3 && digits(s, s.length - 2, 2) > 59)) return false;
  }
  return true;
}

const COLON = 58;
const ZERO = 48;

/** The decimal number of `length` ASCII digits at `start` (the regex has checked they are digits). */
function digits(s: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) n = n * 10 + (s.charCodeAt(i) - ZERO);
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

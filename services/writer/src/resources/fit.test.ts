import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitBool, fitDouble, fitId, fitInt4, fitText, fitTimestamp, isIsoTimestamp, storableString, UNFIT } from './fit.js';

describe('fitTimestamp: strict ISO-8601 that Postgres timestamptz takes', () => {
  it('refuses what Date.parse takes and Postgres refuses (issue 14)', () => {
    for (const s of ['1', '2024-02-30', '2024-02-30T00:00:00Z']) expect(Number.isNaN(Date.parse(s)), s).toBe(false);
    for (const s of ['1', '2024-02-30', '2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '0000-01-01T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:60Z', '2024-01-01T00:00:00+16:00', 'Tue, 01 Dec 2026 10:00:00 GMT', '2024-01-01T00:00:00', '2024-01-01', '+012024-01-01T00:00:00Z', ' 2024-01-01T00:00:00Z']) {
      expect.soft(fitTimestamp(s), s).toBe(UNFIT);
    }
  });

  it('takes Canvas dates with any offset, leap days and the ends of the year range', () => {
    for (const s of ['2024-01-15T23:59:00Z', '2024-01-15T23:59:00-06:00', '2024-01-15T23:59:00.123456789+05:30', '2024-01-15T23:59+0530', '2024-01-15T23:59:59+14', '2024-02-29T00:00:00Z', '2000-02-29T12:00:00Z', '0001-01-01T00:00:00-15:59', '9999-12-31T23:59:59.999+15:59']) {
      expect.soft(fitTimestamp(s), s).toBe(s);
    }
    expect(fitTimestamp('1900-02-29T00:00:00Z')).toBe(UNFIT);
  });

  it('is null for nothing, UNFIT for other types', () => {
    expect(fitTimestamp(null)).toBeNull();
    expect(fitTimestamp(undefined)).toBeNull();
    expect(fitTimestamp(1700000000)).toBe(UNFIT);
  });

  it('takes every instant of years 1–9999 as JavaScript writes it, meaning the same instant', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (d) => {
        const s = d.toISOString();
        expect(isIsoTimestamp(s)).toBe(true);
        expect(Date.parse(s)).toBe(d.getTime());
      }),
    );
  });

  it('refuses every day past the end of its month', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        const last = new Date(Date.UTC(2000, month, 0)).getUTCDate();
        const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
        const days = month === 2 ? (leap ? 29 : 28) : last;
        const at = (day: number) => `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T00:00:00Z`;
        expect(isIsoTimestamp(at(days))).toBe(true);
        expect(isIsoTimestamp(at(days + 1))).toBe(false);
      }),
    );
  });
});

describe('numbers, ids, booleans', () => {
  it('int4 holds −2³¹ … 2³¹−1 only (a position above 2³¹ overflowed integer)', () => {
    expect(fitInt4(2 ** 31 - 1)).toBe(2 ** 31 - 1);
    expect(fitInt4(-(2 ** 31))).toBe(-(2 ** 31));
    expect(fitInt4(2 ** 31)).toBe(UNFIT);
    expect(fitInt4(2 ** 31 + 5)).toBe(UNFIT);
    expect(fitInt4(-(2 ** 31) - 1)).toBe(UNFIT);
    expect(fitInt4(1.5)).toBe(UNFIT);
    expect(fitInt4('3')).toBe(UNFIT);
    expect(fitInt4(null)).toBeNull();
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => fitInt4(n) === n));
    fc.assert(fc.property(fc.double({ min: 2 ** 31, noNaN: true }), (n) => fitInt4(n) === UNFIT));
  });

  it('ids are non-negative safe integers (negative or unsafe ids are refused)', () => {
    expect(fitId(0)).toBe(0);
    expect(fitId(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(fitId(-1)).toBe(UNFIT);
    expect(fitId(2 ** 53)).toBe(UNFIT);
    expect(fitId(JSON.parse('12345678901234567890'))).toBe(UNFIT);
    expect(fitId(1.5)).toBe(UNFIT);
    expect(fitId('42')).toBe(UNFIT);
    expect(fitId(undefined)).toBeNull();
    fc.assert(fc.property(fc.maxSafeNat(), (n) => fitId(n) === n));
  });

  it('double precision takes every finite number, not a JSON number too large for a double', () => {
    expect(fitDouble(JSON.parse('1e400'))).toBe(UNFIT);
    expect(fitDouble(-Infinity)).toBe(UNFIT);
    expect(fitDouble(NaN)).toBe(UNFIT);
    expect(fitDouble('1')).toBe(UNFIT);
    expect(fitDouble(null)).toBeNull();
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => fitDouble(n) === n));
  });

  it('booleans are booleans', () => {
    expect(fitBool(true)).toBe(true);
    expect(fitBool(false)).toBe(false);
    expect(fitBool('true')).toBe(UNFIT);
    expect(fitBool(null)).toBeNull();
  });
});

describe('fitText: what Postgres text and jsonb can hold', () => {
  it('refuses U+0000 and unpaired surrogates, keeps pairs', () => {
    expect(fitText('a\u0000b')).toBe(UNFIT);
    expect(fitText('\ud800')).toBe(UNFIT);
    expect(fitText('x\udc00')).toBe(UNFIT);
    expect(fitText('\udc00\ud800')).toBe(UNFIT);
    expect(fitText('\ud83d\ude00 \\u0000')).toBe('\ud83d\ude00 \\u0000');
    expect(fitText(5)).toBe(UNFIT);
    expect(fitText(null)).toBeNull();
  });

  it('is storable exactly when the string is well formed and has no U+0000', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        // Well formed exactly when UTF-8 encoding gives it back (a lone surrogate comes back as U+FFFD).
        expect(storableString(s)).toBe(Buffer.from(s, 'utf8').toString('utf8') === s && !s.includes('\u0000'));
      }),
      { numRuns: 2000 },
    );
  });
});

import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@canvas-sync/testkit';
import { isIsoTimestamp, storableString } from '../src/resources/fit.js';

/** The conversions agree with a real Postgres: what they accept, it stores; what they refuse, it may refuse. */
describe('fit conversions against Postgres', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await sql`CREATE FUNCTION pg_temp.try_ts(s text) RETURNS double precision LANGUAGE plpgsql AS $$
      BEGIN RETURN extract(epoch FROM s::timestamptz) * 1000; EXCEPTION WHEN others THEN RETURN NULL; END $$`.execute(t.db);
  });
  afterAll(async () => t?.drop());

  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const stamp = fc
    .tuple(
      fc.integer({ min: 0, max: 10_000 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 25 }),
      fc.integer({ min: 0, max: 61 }),
      fc.option(fc.integer({ min: 0, max: 61 })),
      fc.option(fc.stringMatching(/^\.\d{1,10}$/)),
      fc.oneof(fc.constant('Z'), fc.constant(''), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 17 }), fc.option(fc.integer({ min: 0, max: 61 })), fc.boolean()).map(([s, h, m, colon]) => `${s}${pad(h, 2)}${m === null ? '' : (colon ? ':' : '') + pad(m, 2)}`)),
    )
    .map(([y, mo, d, h, mi, s, f, z]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}${s === null ? '' : `:${pad(s, 2)}${f ?? ''}`}${z}`);
  /** The instant JavaScript reads, with the offset written ±hh:mm (Date.parse does not take ±hh). */
  const instant = (s: string) => Date.parse(s.replace(/([+-]\d{2})$/, '$1:00').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));

  it('every timestamp accepted is stored by timestamptz as the same instant', async () => {
    const samples = [...fc.sample(stamp, { numRuns: 3000, seed: 14 }), '1', '2024-02-30', '2024-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '2024-01-01T00:00:00+16:00'];
    const r = await sql<{ s: string; ms: number | null }>`SELECT s, pg_temp.try_ts(s) AS ms FROM unnest(${samples}::text[]) AS s`.execute(t.db);
    let accepted = 0;
    for (const { s, ms } of r.rows) {
      if (!isIsoTimestamp(s)) continue;
      accepted += 1;
      expect(ms, s).not.toBeNull();
      expect(Math.abs(ms! - instant(s)), s).toBeLessThanOrEqual(1); // Postgres rounds to µs, JavaScript truncates to ms
    }
    // The generator reaches both sides of every rule.
    expect(accepted).toBeGreaterThan(100);
    expect(r.rows.some(({ s, ms }) => ms === null && !isIsoTimestamp(s))).toBe(true);
  });

  it('a string is storable in jsonb exactly when storableString says so', async () => {
    await sql`CREATE FUNCTION pg_temp.try_jsonb(s text) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN PERFORM s::jsonb; RETURN true; EXCEPTION WHEN others THEN RETURN false; END $$`.execute(t.db);
    const strings = [...fc.sample(fc.string({ unit: 'binary', maxLength: 6 }), { numRuns: 2000, seed: 14 }), 'a\u0000', '\ud800', '\udc00x', '\ud83d\ude00', 'C:\\u0000'];
    // As the writer sends rows: JSON text (lone surrogates and U+0000 escaped), parsed by jsonb.
    const docs = strings.map((s) => JSON.stringify({ [s]: s }));
    const r = await sql<{ ok: boolean }>`SELECT pg_temp.try_jsonb(d) AS ok FROM unnest(${docs}::text[]) WITH ORDINALITY AS x(d, n) ORDER BY n`.execute(t.db);
    expect(r.rows.map((row) => row.ok)).toEqual(strings.map(storableString));
  });
});

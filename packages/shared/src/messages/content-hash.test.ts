import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../nats/decode.js';
import { encodeMessage } from '../nats/publish.js';
import { contentHash } from './content-hash.js';
import { syncRecords, type SyncRecords } from './sync-records.js';

/**
 * A Canvas answer with what makes JSON text awkward: non-ASCII and astral text, a lone surrogate
 * and U+0000 (as JSON escapes), a `__proto__` key, numeric-looking keys (which `JSON.parse` puts
 * first), numbers past 2^53 and past a double, `-0`, a repeated key, and the embedded lists.
 */
const ANSWER = String.raw`[{"id":501,"name":"Gr\u00fcppe \u20ac \ud83d\ude00","weird":"\ud800 lone","nul":"a\u0000b","__proto__":{"polluted":true},
  "10":"ten","2":"two","x":1,"big":12345678901234567890,"huge":1e400,"neg":-0,"dup":1,"dup":2,"rules":{},
  "assignments":[{"id":9007199254740991,"description":"<p>\u00e9\u2028</p>","points_possible":1.50,"submission":{"id":77,"score":9.0,"grade":"A\u0000"}}]}]`;

/** What the fetcher hashes: each row of the parsed answer, its embedded list set to undefined (fetch-unit.handler.ts). */
function fetcherRows(): Array<{ resource: 'assignment_groups' | 'assignments' | 'submissions'; json: string }> {
  const [group] = JSON.parse(ANSWER) as Array<Record<string, unknown>>;
  const assignments = group!.assignments as Array<Record<string, unknown>>;
  group!.assignments = undefined;
  const assignment = assignments[0]!;
  const submission = assignment.submission;
  assignment.submission = undefined;
  return [
    { resource: 'assignment_groups', json: JSON.stringify(group) },
    { resource: 'assignments', json: JSON.stringify(assignment) },
    { resource: 'submissions', json: JSON.stringify(submission) },
  ];
}

describe('contentHash: the fetcher and the writer hash a row alike', () => {
  it('the hash of the fetcher’s row text equals the hash of the row the writer decodes from the part', () => {
    const rows = fetcherRows();
    // The part as UnitRecords builds it: the rows' text spliced in as pieces.
    const pieces = ['{', ...rows.flatMap((r, i) => [`${i > 0 ? ',' : ''}${JSON.stringify(r.resource)}:[`, r.json, ']']), '}'];
    const payload = { syncId: '00000000-0000-4000-8000-000000000000', userId: 'u1', run: 0, unitKey: 'course:1', fetchId: '00000000-0000-4000-8000-000000000001', part: 0, final: true, records: {} };
    const { data } = encodeMessage(syncRecords, payload, { correlationId: 'c' }, { key: 'records', json: pieces, placeholder: {} });
    const decoded = decodeMessage(data, [syncRecords]);
    if (!decoded.ok) throw new Error(decoded.reason);
    const records = (decoded.message.payload as SyncRecords).records;
    for (const { resource, json } of rows) {
      const [row] = records[resource]!;
      // The writer: JSON.stringify of the decoded row (prepare-rows.ts).
      expect(contentHash(row), resource).toBe(contentHash(JSON.parse(json), json));
      expect(JSON.stringify(row)).toBe(json);
    }
    // The awkward values made it through as they were parsed (not replaced, not reordered away).
    const group = records.assignment_groups![0]!;
    expect(Object.keys(group).slice(0, 2)).toEqual(['2', '10']);
    expect(Object.hasOwn(group, '__proto__')).toBe(true);
    expect(group.weird).toBe('\ud800 lone');
    expect(group.nul).toBe('a\u0000b');
    expect(group.big).toBe(Number('12345678901234567890'));
    expect(group.huge).toBeNull();
    expect(group.dup).toBe(2);
    expect(records.submissions![0]!.grade).toBe('A\u0000');
  });

  it('is sha256 of the JSON text, base64url; another text is another hash', () => {
    expect(contentHash({ id: 1 })).toBe('A3ySFO73TMOIfzpPCFtOF9digNr9JzsO4WDAnEuhz9Q');
    expect(contentHash({ id: 1 }, '{"id":1}')).toBe(contentHash({ id: 1 }));
    expect(contentHash({ id: 1, a: 1 })).not.toBe(contentHash({ a: 1, id: 1 }));
  });
});

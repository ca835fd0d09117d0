import { describe, expect, it } from 'vitest';
import { contentHash, type RecordRow } from '@canvas-sync/shared';
import { prepareRows, UNFIT_HASH_PREFIX } from './prepare-rows.js';

const assignment = (id: unknown, more: Record<string, unknown> = {}) => ({ id, course_id: 7, assignment_group_id: 3, name: `A${String(id)}`, due_at: '2024-01-15T23:59:00Z', position: 1, points_possible: 10, published: true, updated_at: '2024-01-10T10:00:00-06:00', ...more });

describe('prepareRows', () => {
  it('normal rows: typed columns, raw as sent, the same hash as before, no warnings', () => {
    const raw = assignment(1);
    const { rows, warnings } = prepareRows('assignments', [raw], 7);
    expect(warnings).toEqual([]);
    expect(rows).toEqual([
      { id: 1, raw, content_hash: contentHash(raw), course_id: 7, assignment_group_id: 3, name: 'A1', due_at: '2024-01-15T23:59:00Z', lock_at: null, unlock_at: null, points_possible: 10, grading_type: null, published: true, canvas_updated_at: '2024-01-10T10:00:00-06:00' },
    ]);
    expect(rows[0]!.raw).toBe(raw);
  });

  it('values that do not fit: the column is null, the row kept (raw made storable), one warning', () => {
    const bad = [
      assignment(2, { due_at: '1' }),
      assignment(3, { lock_at: '2024-02-30T00:00:00Z', name: 'nul\u0000name' }),
      assignment(4, { assignment_group_id: -5, points_possible: JSON.parse('1e400') }),
      assignment(5, { course_id: 2 ** 53 + 2, extra: { ['k\u0000']: '\ud800' } }),
    ];
    const { rows, warnings } = prepareRows('assignments', [assignment(1), ...bad], null);
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    const by = new Map(rows.map((r) => [r.id, r]));
    expect(by.get(2)).toMatchObject({ due_at: null, name: 'A2' });
    expect(by.get(3)).toMatchObject({ lock_at: null, name: null, raw: { name: 'nul\ufffdname', lock_at: '2024-02-30T00:00:00Z' } });
    expect(by.get(4)).toMatchObject({ assignment_group_id: null, points_possible: null, raw: { assignment_group_id: -5 } });
    expect(by.get(5)).toMatchObject({ course_id: null, raw: { extra: { ['k\ufffd']: '\ufffd' } } });
    expect(by.get(3)!.content_hash).toBe(UNFIT_HASH_PREFIX + contentHash(bad[1]));
    expect(by.get(1)!.content_hash).toBe(contentHash(assignment(1)));
    expect(warnings).toEqual([
      { code: 'canvas_value_unfit', message: 'Kept 4 rows of assignments with values that do not fit: assignment_group_id, course_id, due_at, lock_at, name, points_possible left empty; U+0000 or unpaired surrogates in raw replaced by U+FFFD (ids 2, 3, 4, 5).' },
    ]);
  });

  it('a position above 2^31 leaves position null; a course listing of bad foreign ids too', () => {
    const groups = prepareRows('assignment_groups', [{ id: 9, name: 'G', position: 2 ** 31 + 5, group_weight: 1 }], 7);
    expect(groups.rows[0]).toMatchObject({ id: 9, position: null, course_id: 7, group_weight: 1 });
    expect(groups.warnings.map((w) => w.code)).toEqual(['canvas_value_unfit']);
    const courses = prepareRows('courses', [{ id: 1, name: 'C', account_id: -1, enrollment_term_id: 1.5 }, { id: 2, name: 'D', account_id: 1, term: { id: 4 } }], null);
    expect(courses.rows).toMatchObject([{ id: 1, account_id: null, term_id: null }, { id: 2, account_id: 1, term_id: 4 }]);
    expect(courses.warnings[0]!.message).toContain('account_id, term_id left empty');
    const subs = prepareRows('submissions', [{ id: 3, assignment_id: '12', score: 5, submitted_at: '2024-01-01T00:00:00' }], 7);
    expect(subs.rows[0]).toMatchObject({ assignment_id: null, score: 5, submitted_at: null });
  });

  it('rows without a usable id are skipped with a warning; more than five ids are summarized', () => {
    const input = [{ name: 'no id' }, { id: -1 }, { id: 2 ** 53 }, { id: '5' }, { id: null }, ...Array.from({ length: 7 }, (_, i) => assignment(10 + i, { due_at: 'soon' }))];
    const { rows, warnings } = prepareRows('assignments', input as RecordRow[], 7);
    expect(rows.map((r) => r.id)).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(warnings).toEqual([
      { code: 'canvas_row_without_id', message: 'Skipped 5 rows of assignments without a usable id (a non-negative integer below 2^53).' },
      { code: 'canvas_value_unfit', message: 'Kept 7 rows of assignments with values that do not fit: due_at left empty (ids 10, 11, 12, 13, 14, … (2 more)).' },
    ]);
  });

  it('absent and null values are nothing to warn about', () => {
    const { warnings } = prepareRows('submissions', [{ id: 1, assignment_id: 2, score: null, grade: null, submitted_at: null }, { id: 2 }], 7);
    expect(warnings).toEqual([]);
  });

  it('hashes a row as the fetcher does its text (SyncRecords.unchanged); a row kept with unfit values or U+0000 has a hash no fetched row has', () => {
    const canvas = String.raw`{"id":77,"__proto__":{"x":1},"2":"b","1":"a","name":"\u00e9 \ud83d\ude00","points_possible":12345678901234567890,"submission":{"id":1}}`;
    const fetcherText = (answer: string) => {
      const fetched = JSON.parse(answer) as Record<string, unknown>;
      fetched.submission = undefined;
      return JSON.stringify(fetched);
    };
    // The writer gets the row parsed back from the part's text.
    const prepared = (text: string) => prepareRows('assignments', [JSON.parse(text) as RecordRow], 7).rows[0]!;
    expect(prepared(fetcherText(canvas)).content_hash).toBe(contentHash(undefined, fetcherText(canvas)));
    // U+0000 or a lone surrogate (replaced in raw), or a value its column cannot hold: sent as text on every sync, warned about each time.
    for (const odd of [canvas.replace(String.raw`\u00e9`, String.raw`\u0000`), canvas.replace(String.raw`\u00e9`, String.raw`\ud800`), canvas.replace('"2":"b"', '"due_at":"2024-02-30T00:00:00Z"')]) {
      const text = fetcherText(odd);
      expect(text).not.toBe(fetcherText(canvas));
      expect(prepared(text).content_hash).toBe(UNFIT_HASH_PREFIX + contentHash(undefined, text));
    }
  });
});

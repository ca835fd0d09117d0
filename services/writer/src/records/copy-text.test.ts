import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RecordRow } from '@canvas-sync/shared';
import { copyField, copyLine } from './copy-text.js';
import { prepareRows } from './prepare-rows.js';

// The exact bytes the writer COPYs and the hashes it stores, pinned: the stored hashes decide
// which rows a later sync rewrites, so a faster encoder must produce the same text and hashes.
// (Re-pinned in session 10 when the hashes of rows with unfit values got UNFIT_HASH_PREFIX; with the
// prefix stripped, the digests were the old pins.)
const line = (raw: Record<string, unknown>, courseId: number | null = null) => {
  const [row] = prepareRows('assignments', [raw as RecordRow], courseId).rows;
  return [copyLine('assignments', copyField('u\\1'), row!), row!.content_hash];
};

describe('copyLine', () => {
  it('escapes what ends a field or a row, in raw and in the typed columns', () => {
    const raw = { id: 1, course_id: 7, name: 'tab\there\\back\nnl\rcr "q" é 😀', due_at: '2024-01-15T23:59:00Z', points_possible: 2.5, published: false, extra: { a: [1, null, 'x\\y'], 'k"': true }, updated_at: '2024-01-10T10:00:00-06:00' };
    expect(line(raw)).toEqual([
      'u\\\\1\t1\t{"id":1,"course_id":7,"name":"tab\\\\there\\\\\\\\back\\\\nnl\\\\rcr \\\\"q\\\\" é 😀","due_at":"2024-01-15T23:59:00Z","points_possible":2.5,"published":false,"extra":{"a":[1,null,"x\\\\\\\\y"],"k\\\\"":true},"updated_at":"2024-01-10T10:00:00-06:00"}\tGaDe4OBVquD8zPVWsutBH7itA75MPZ-0quqyTUrpAlo\t7\t\\N\ttab\\there\\\\back\\nnl\\rcr "q" é 😀\t2024-01-15T23:59:00Z\t\\N\t\\N\t2.5\t\\N\tf\t2024-01-10T10:00:00-06:00\n',
      'GaDe4OBVquD8zPVWsutBH7itA75MPZ-0quqyTUrpAlo',
    ]);
  });

  it('unfit values: raw made storable, the hash of the row as sent (marked unfit), the columns \\N', () => {
    const raw = { id: 2, course_id: 2 ** 53 + 2, name: 'nul\u0000', lock_at: '2024-02-30T00:00:00Z', description: '\ud800 lone', published: 'yes' };
    expect(line(raw)).toEqual([
      'u\\\\1\t2\t{"id":2,"course_id":9007199254740994,"name":"nul\ufffd","lock_at":"2024-02-30T00:00:00Z","description":"\ufffd lone","published":"yes"}\tunfit:z0wHvSqNA7_XWOMEygHCp4MlXx3Kg2ITdxjCIjgBBro\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n',
      'unfit:z0wHvSqNA7_XWOMEygHCp4MlXx3Kg2ITdxjCIjgBBro',
    ]);
  });

  it('a part of varied rows: the same text and hashes as pinned', () => {
    const texts = ['plain', 'back\\slash', 'tab\tnew\nline\rcr', 'quote "x"', 'é ü 😀 \u2028', '', '\\N'];
    const dates = [null, '2024-01-15T23:59:00Z', '2024-01-15T23:59:00.123-06:00', '2024-13-01T00:00:00Z', 'soon', undefined];
    const input = Array.from({ length: 210 }, (_, i) => ({
      id: i % 50 === 49 ? i - 1 : 1000 + i, // a few repeated ids: the last one wins
      course_id: i % 5 === 0 ? null : 70 + (i % 3),
      assignment_group_id: i % 13 === 0 ? -1 : 900 + (i % 4),
      name: `${texts[i % texts.length]} ${i}`,
      description: `<p>${texts[(i + 3) % texts.length]!.repeat(i % 4)}</p>`,
      due_at: dates[i % dates.length],
      lock_at: dates[(i + 2) % dates.length],
      points_possible: i % 9 === 0 ? null : i % 9 === 1 ? '10' : (i % 10) * 2.5,
      grading_type: i % 11 === 0 ? 'pass_fail' : 'points',
      published: i % 6 === 0 ? null : i % 2 === 0,
      submission_types: i % 3 === 0 ? ['online_upload'] : [],
      rubric: i % 8 === 0 ? { criteria: [{ points: 1, text: texts[i % texts.length] }] } : undefined,
      updated_at: dates[(i + 1) % dates.length],
    }));
    const digest = (courseId: number | null) => {
      const hash = createHash('sha256');
      for (const row of prepareRows('assignments', input as RecordRow[], courseId).rows) hash.update(copyLine('assignments', copyField('user-1'), row)).update(row.content_hash);
      return hash.digest('hex');
    };
    expect(digest(null)).toBe('ae2fae59417fd0c97db6f962ac7391efeb868028a8e8483a52bed66fb5bdb964');
    expect(digest(42)).toBe('ccc929924940c327ee776fb340f8a4ecc5b44e613cb9ecad976285ff067a24c0');
  });
});

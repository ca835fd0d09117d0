import { RECORDS_PART_BYTES, type RawRow } from '@canvas-sync/shared';

const TARGET_BYTES = 1_024;
const WORDS = 'read chapter review lab report notes problem set essay draft quiz reflection outline sources figures data analysis'.split(' ');

/**
 * `count` assignment objects shaped as Canvas sends them (`GET /courses/:id/assignments`), each
 * about 1 KB of JSON (the description pads it), deterministic. `revision` > 0 changes the name,
 * `updated_at` and description, so every row hashes differently (the update path).
 */
export function assignmentRows(count: number, revision = 0): RawRow[] {
  const rows: RawRow[] = [];
  for (let i = 0; i < count; i++) {
    const id = 10_000_000 + i;
    const courseId = 5_000 + Math.floor(i / 200);
    const day = (n: number) => new Date(Date.UTC(2025, 8, 1 + (n % 120), 23, 59)).toISOString().replace('.000Z', 'Z');
    const row: RawRow = {
      id,
      course_id: courseId,
      assignment_group_id: 900_000 + Math.floor(i / 40),
      name: `${WORDS[i % WORDS.length]} ${i}${revision ? ` (rev ${revision})` : ''}`,
      description: '',
      created_at: day(i),
      updated_at: day(i + 1 + revision),
      due_at: i % 7 === 0 ? null : day(i + 14),
      lock_at: null,
      unlock_at: null,
      points_possible: (i % 10) * 5 + 10,
      grading_type: i % 11 === 0 ? 'pass_fail' : 'points',
      submission_types: i % 3 === 0 ? ['online_upload'] : ['online_text_entry', 'online_upload'],
      position: (i % 40) + 1,
      published: true,
      muted: false,
      omit_from_final_grade: false,
      has_submitted_submissions: i % 2 === 0,
      html_url: `https://canvas.example.edu/courses/${courseId}/assignments/${id}`,
    };
    const base = Buffer.byteLength(JSON.stringify(row));
    const words: string[] = [];
    let size = base + '<p></p>'.length;
    for (let w = 0; size < TARGET_BYTES; w++) {
      const word = WORDS[(i + w + revision) % WORDS.length]!;
      words.push(word);
      size += word.length + 1;
    }
    row.description = `<p>${words.join(' ')}</p>`;
    rows.push(row);
  }
  return rows;
}

/** Cuts rows into parts the way the fetcher does: at most `RECORDS_PART_BYTES` of JSON each. */
export function toParts(rows: RawRow[], partBytes = RECORDS_PART_BYTES): RawRow[][] {
  const parts: RawRow[][] = [];
  let current: RawRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(JSON.stringify(row));
    if (bytes > 0 && bytes + size > partBytes) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

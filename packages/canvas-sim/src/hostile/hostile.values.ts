import type { CanvasAnswer } from '../http/answer.js';
import type { RouteContext } from '../http/route-context.js';

type Row = Record<string, unknown>;

/** Ids of the rows badValues adds; far above the sim's own ids, so they never collide. */
export const BAD_ROW_ID_BASE = 900_000_000;

const UNSAFE_ID = '9007199254740993';
const UNSAFE_MARK = '"__canvas_sim_unsafe_id__"';
const NESTED_MARK = '"__canvas_sim_nested__"';

/** Each added row carries exactly one problem, in this order (README documents it). */
const BAD_CASES: ReadonlyArray<readonly [name: string, spoil: (row: Row) => void]> = [
  ['dateNotADate', (row) => setDates(row, '1')],
  ['dateImpossible', (row) => setDates(row, '2024-02-30T00:00:00Z')],
  ['positionOverInt32', (row) => (row['position'] = 3_000_000_000)],
  ['nulInString', (row) => (row['name'] = 'Bad\u0000name')],
  ['negativeId', (row) => (row['id'] = -42)],
  ['unsafeId', (row) => (row['id'] = UNSAFE_MARK.slice(1, -1))],
  ['noId', (row) => delete row['id']],
];

function isFirstPage(ctx: RouteContext): boolean {
  const page = ctx.url.searchParams.get('page');
  return page === null || page === '' || page === '1' || page === 'first';
}

function setDates(row: Row, value: string): void {
  let any = false;
  for (const key of Object.keys(row)) {
    if (key.endsWith('_at')) {
      row[key] = value;
      any = true;
    }
  }
  if (!any) row['created_at'] = value;
}

/**
 * The real rows, then (on the first page) one copy of the first row per bad case, with id
 * `BAD_ROW_ID_BASE + i` unless the case is about the id. An empty list stays empty.
 */
export function badValues(base: CanvasAnswer, ctx: RouteContext): CanvasAnswer {
  const rows = base.body as Row[];
  const first = rows[0];
  if (!first || !isFirstPage(ctx)) return base;
  const added = BAD_CASES.map(([_name, spoil], i) => {
    const row: Row = { ...structuredClone(first), id: BAD_ROW_ID_BASE + i + 1 };
    spoil(row);
    return row;
  });
  // An id above 2^53 cannot come from JSON.stringify; it goes into the text as written.
  const text = JSON.stringify([...rows, ...added]).replace(UNSAFE_MARK, UNSAFE_ID);
  return textAnswer(base, text);
}

/** Every row of the page gains `hostile_nesting`: `{"a":` nested `depth` times around `1` (built as text, never recursed). */
export function deepNesting(base: CanvasAnswer, depth: number): CanvasAnswer {
  const rows = (base.body as Row[]).map((row) => ({ ...row, hostile_nesting: NESTED_MARK.slice(1, -1) }));
  const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return textAnswer(base, JSON.stringify(rows).split(NESTED_MARK).join(nested));
}

function textAnswer(base: CanvasAnswer, text: string): CanvasAnswer {
  const { body: _body, ...rest } = base;
  return { ...rest, text, contentType: 'application/json; charset=utf-8' };
}

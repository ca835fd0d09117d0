import { setImmediate } from 'node:timers/promises';
import { contentHash, type RecordRow, type Resource } from '@canvas-sync/shared';
import { fitId, UNFIT } from '../resources/fit.js';
import { RESOURCE_TABLES } from '../resources/resource-columns.js';
import { storableJson } from '../resources/storable-json.js';

/** A row ready for SQL: typed columns, `raw` (storable) and the content hash. */
export type PreparedRow = Record<string, unknown> & { id: number; content_hash: string };

/** A warning for the sync's `warnings` list (the handler adds the unit key). */
export interface RowWarning {
  code: 'canvas_value_unfit' | 'canvas_row_without_id';
  message: string;
}

const SAMPLE_IDS = 5;

/**
 * Marks the stored hash of a row kept with values that do not fit: never equal to a fetched row's
 * hash, so the fetcher always sends such a row as text (not as an `unchanged` id), and every sync
 * that sees it warns about it again (`canvas_value_unfit`), as before ids were sent. The writer's
 * own pre-check compares marked with marked: such a row unchanged in Canvas is not rewritten.
 * Not base64url (`:`), so no plain hash has it.
 */
export const UNFIT_HASH_PREFIX = 'unfit:';

// `JSON.stringify(raw)` of a prepared row, kept from hashing so COPY does not serialize it again.
// A WeakMap, not a field: a row's own keys are its SQL columns.
const jsonOf = new WeakMap<PreparedRow, string>();

/** The row's `raw` as JSON text (the text that was hashed when `raw` needed no replacement). */
export function rawJson(row: PreparedRow): string {
  return jsonOf.get(row) ?? JSON.stringify(row.raw);
}

/**
 * Rows of one resource ready for SQL: typed columns extracted, hashed, deduplicated by id (last
 * wins). Nothing Canvas sends may make Postgres refuse the part (DESIGN.md "Limits on what Canvas
 * sends"): a row without a usable id is skipped; a value that does not fit its typed column leaves
 * the column `NULL`; U+0000 and unpaired surrogates in `raw` become U+FFFD. Each such case adds
 * one warning per resource (counted, with a few ids — never the values). The hash is taken of the
 * row as Canvas sent it, so it is stable for unchanged ones; a row with such values has it marked
 * ({@link UNFIT_HASH_PREFIX}).
 */
export function prepareRows(resource: Resource, input: RecordRow[], courseId: number | null): PreparedRows {
  const preparer = rowsPreparer(resource, courseId);
  for (const raw of input) preparer.add(raw);
  return preparer.done();
}

/** What {@link prepareRows} returns. */
export interface PreparedRows {
  rows: PreparedRow[];
  warnings: RowWarning[];
}

/** Rows prepared per macrotask by {@link prepareRowsAhead}: ~0.3 ms of CPU, the most a statement's answer waits for. */
const SLICE_ROWS = 32;

/**
 * {@link prepareRows} in slices of {@link SLICE_ROWS} rows, each in its own macrotask after the
 * event loop's pending I/O (`setImmediate`): started while a transaction's statements are in
 * flight, it prepares the next part's rows while Postgres works on this one's, and the answers
 * are handled between slices (issue #15: one writer slot did its Node and its Postgres work one
 * after the other). Same result as {@link prepareRows}.
 */
export async function prepareRowsAhead(resource: Resource, input: RecordRow[], courseId: number | null): Promise<PreparedRows> {
  const preparer = rowsPreparer(resource, courseId);
  for (let i = 0; i < input.length; i++) {
    if (i % SLICE_ROWS === 0) await setImmediate();
    preparer.add(input[i]!);
  }
  return preparer.done();
}

function rowsPreparer(resource: Resource, courseId: number | null) {
  const byId = new Map<number, PreparedRow>();
  const { columns } = RESOURCE_TABLES[resource];
  let withoutId = 0;
  const unfitIds: number[] = [];
  const unfitColumns = new Set<string>();
  let replacedRaw = false;
  const add = (raw: RecordRow) => {
    const id = fitId(raw.id);
    if (id === null || id === UNFIT) {
      withoutId += 1;
      return;
    }
    const json = JSON.stringify(raw);
    const storable = storableJson(raw, json);
    const row: PreparedRow = { id, raw: storable.value, content_hash: contentHash(raw, json) };
    let unfit = storable.replaced;
    replacedRaw ||= storable.replaced;
    for (const c of columns) {
      const v = c.from(raw, courseId);
      if (v === UNFIT) {
        unfit = true;
        unfitColumns.add(c.name);
        row[c.name] = null;
      } else row[c.name] = v;
    }
    if (unfit) {
      unfitIds.push(id);
      row.content_hash = UNFIT_HASH_PREFIX + row.content_hash;
    }
    if (!storable.replaced) jsonOf.set(row, json);
    byId.set(id, row);
  };
  const done = (): PreparedRows => {
    const warnings: RowWarning[] = [];
    if (withoutId > 0) {
      warnings.push({ code: 'canvas_row_without_id', message: `Skipped ${plural(withoutId, resource)} without a usable id (a non-negative integer below 2^53).` });
    }
    if (unfitIds.length > 0) {
      const what = [
        unfitColumns.size > 0 ? `${[...unfitColumns].sort().join(', ')} left empty` : '',
        replacedRaw ? 'U+0000 or unpaired surrogates in raw replaced by U+FFFD' : '',
      ].filter(Boolean);
      const ids = unfitIds.slice(0, SAMPLE_IDS).join(', ') + (unfitIds.length > SAMPLE_IDS ? `, … (${unfitIds.length - SAMPLE_IDS} more)` : '');
      warnings.push({ code: 'canvas_value_unfit', message: `Kept ${plural(unfitIds.length, resource)} with values that do not fit: ${what.join('; ')} (ids ${ids}).` });
    }
    return { rows: [...byId.values()], warnings };
  };
  return { add, done };
}

const plural = (n: number, resource: string) => `${n} ${n === 1 ? 'row' : 'rows'} of ${resource}`;

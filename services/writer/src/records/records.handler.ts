import type { Kysely, Transaction } from 'kysely';
import { AppError, RESOURCES, type ChangeBatch, type Database, type HandlerResult, type MessageContext, type Resource, type SyncRecords, type SyncRow } from '@canvas-sync/shared';
import { claimPart, finishFetch, storePartLockSync } from '../checkpoints/checkpoints.repository.js';
import { addWarnings, type SyncWarning } from '../checkpoints/syncs.repository.js';
import { completeIfDone } from '../finalize/finalize.js';
import type { ProgressPublisher } from '../progress/progress.publisher.js';
import type { WriterMetrics } from '../writer-metrics.js';
import { changeBatch } from '../changes/change-batch.js';
import { prepareRows, prepareRowsAhead, type PreparedRow, type PreparedRows } from './prepare-rows.js';
import { unitMessage } from './progress-message.js';
import { plannedDiff, plansFrom, planWritesSql, writePlanned } from './rows.repository.js';

export interface RecordsDeps {
  db: Kysely<Database>;
  publishProgress: ProgressPublisher;
  metrics: WriterMetrics;
  /** Called after a commit that may have written change events (wakes the outbox relay). */
  committed?: () => void;
}

type Counts = Record<string, Record<string, number>>;

/** What a written part leaves to do after its transaction commits (never before: a rollback undoes it). */
export interface PartWritten {
  /** The sync as this part left it, to publish as progress; undefined when nothing changed it. */
  row: SyncRow | undefined;
  /** This part completed the sync. */
  completed: boolean;
  /** Rows created or updated per resource (the `rowsWritten` metric). */
  written: Array<{ resource: Resource; n: number }>;
  /** Codes of the rows with values that did not fit, when this part recorded warnings. */
  warned: string[] | undefined;
}

/**
 * Writes one part of a unit in the transaction `tx`: the part's checkpoint row first (a redelivered
 * part finds it and does nothing), then the rows (bulk upsert, or only a diff in a dry run), then
 * — under the sync row's lock — the part's change events and feed rows (none in a dry run), the
 * unit's checkpoint when this part completed its fetch, the sync's counts and progress, and the
 * sync's completion when it was the last unit. Throws `not_found` / `message_invalid` for a part
 * of a missing sync or of another user's. The part's `unchanged` ids (rows the fetcher found stored
 * with the same content hash, sent without their text) are counted `unchanged` and stored as seen
 * with the rows, so a full sync's sweep keeps them; nothing is written for them, no change event.
 *
 * Round trips (a writer's CPU above its rows' own is largely per statement: kysely, pg, a socket
 * write; issue #15): besides a COPY per resource with changed rows, a part sends the claim (which
 * reads the sync, and runs the hash pre-check of all its rows), its facts with the lock and its
 * change events, and the fetch check (which, when the fetch is complete, finishes the unit and
 * updates the sync row with the unit totals the completion decides on). The parts of a sync
 * serialize on its lock, held from that statement to COMMIT: two statements and the COMMIT.
 * Its transaction adds BEGIN and COMMIT, shared by the parts of a batch (records-batcher.ts).
 * records-round-trips.int.test.ts holds the counts.
 * `ahead`: the part's rows being prepared already ({@link preparePartAhead}, by a batch while the
 * part before this one runs); without it they are prepared here (before the claim, whose
 * pre-check needs them; a redelivered part wastes its preparation).
 */
export async function writePart(tx: Transaction<Database>, m: SyncRecords, ahead?: Promise<PreparedPart>): Promise<PartWritten> {
  const nothing: PartWritten = { row: undefined, completed: false, written: [], warned: undefined };
  const courseId = partCourseId(m);
  const seen: Record<string, number[]> = {};
  const warnings: SyncWarning[] = [];
  const batches: Array<{ resource: Resource; rows: PreparedRow[] }> = [];
  for (const { resource, prepared } of ahead ? await ahead : preparePart(m)) {
    for (const w of prepared.warnings) warnings.push({ ...w, unitKey: m.unitKey });
    seen[resource] = prepared.rows.map((r) => r.id);
    batches.push({ resource, rows: prepared.rows });
  }
  const unchanged = unchangedIds(m, seen);
  for (const [resource, ids] of unchanged) seen[resource] = [...(seen[resource] ?? []), ...ids];
  const sync = await claimPart(tx, { ...m, courseId }, planWritesSql(m.userId, batches));
  if (!sync) throw new AppError('not_found', `sync ${m.syncId} does not exist`);
  if (sync.userId !== m.userId) throw new AppError('message_invalid', 'records for a sync of another user');
  if (!sync.claimed) return nothing;

  const counts: Counts = {};
  const diff: Record<string, { create: number[]; update: number[] }> | null = sync.dryRun ? {} : null;
  const changes: ChangeBatch[] = [];
  const written: PartWritten['written'] = [];
  // A write (or only a diff) per resource, from the claim's pre-check.
  for (const plan of plansFrom(batches, sync.alongside)) {
    const { resource, rows } = plan;
    if (diff) diff[resource] = plannedDiff(plan);
    const { created, updated } = diff ? { created: diff[resource]!.create, updated: diff[resource]!.update } : await writePlanned(tx, m.userId, plan);
    const alike = unchanged.get(resource)?.length ?? 0;
    counts[resource] = { created: created.length, updated: updated.length, unchanged: rows.length - created.length - updated.length + alike, deleted: 0 };
    if (!diff) {
      written.push({ resource, n: created.length + updated.length });
      changes.push(changeBatch(resource, rows, { created, updated }));
    }
  }
  // Resources of the part with unchanged ids only: counted, nothing written, no change event.
  for (const [resource, ids] of unchanged) counts[resource] ??= { created: 0, updated: 0, unchanged: ids.length, deleted: 0 };
  // The change events in the lock's statement, after the lock (lock order: sync row, then the
  // user's change counter) and before the completion, whose sweep and `sync.finished` must
  // follow this part's changes.
  const locked = await storePartLockSync(tx, m, { seen, counts, diff }, { userId: m.userId, syncId: m.syncId, batches: changes });
  // Under the lock, as every change to the sync row; a redelivered part never gets here.
  const warned = locked && warnings.length > 0 && (await addWarnings(tx, m.syncId, locked.warnings, warnings)) ? warnings.map((w) => w.code) : undefined;
  if (!locked) return { ...nothing, written };
  // A statement after the lock's: it sees every part committed before the lock was granted.
  const fetch = await finishFetch(tx, { syncId: m.syncId, unitKey: m.unitKey, fetchId: m.fetchId, courseId, message: unitMessage(m.unitKey, sync.courseName) });
  if (!fetch) return { row: undefined, completed: false, written, warned };
  const completed = await completeIfDone(tx, fetch.row, fetch.totals);
  return { row: completed ?? fetch.row, completed: completed !== undefined, written, warned };
}

/** A part's rows prepared per resource, in {@link RESOURCES} order. */
export type PreparedPart = Array<{ resource: Resource; prepared: PreparedRows }>;

/** A part's rows prepared at once. */
function preparePart(m: SyncRecords): PreparedPart {
  return partInputs(m).map(({ resource, input }) => ({ resource, prepared: prepareRows(resource, input, partCourseId(m)) }));
}

/**
 * A part's rows prepared in slices between the event loop's I/O (`prepareRowsAhead`), for
 * {@link writePart}: a batch prepares its next part while the current one's statements run.
 */
export async function preparePartAhead(m: SyncRecords): Promise<PreparedPart> {
  const out: PreparedPart = [];
  for (const { resource, input } of partInputs(m)) out.push({ resource, prepared: await prepareRowsAhead(resource, input, partCourseId(m)) });
  return out;
}

/** The resources of a part that hold rows, in {@link RESOURCES} order. */
function partInputs(m: SyncRecords) {
  return RESOURCES.flatMap((resource) => (m.records[resource]?.length ? [{ resource, input: m.records[resource] }] : []));
}

/**
 * The part's `unchanged` ids per resource with rows in {@link RESOURCES} order: each id once, and
 * not one the part also carries as a row (`seen`: a row the walk met twice, changed in between;
 * the row is written and counted, the id not again).
 */
function unchangedIds(m: SyncRecords, seen: Record<string, number[]>): Map<Resource, number[]> {
  const out = new Map<Resource, number[]>();
  for (const resource of RESOURCES) {
    const ids = m.unchanged?.[resource];
    if (!ids?.length) continue;
    const rows = new Set(seen[resource]);
    const unique = [...new Set(ids)].filter((id) => !rows.has(id));
    if (unique.length > 0) out.set(resource, unique);
  }
  return out;
}

/** The planned course of a course unit (its rows' `course_id`), null for other units. */
function partCourseId(m: SyncRecords): number | null {
  return m.unitKey.startsWith('course:') ? Number(m.unitKey.slice(7)) : null;
}

/** What follows a part's commit: its metrics and log lines (the caller publishes the progress). */
export function partCommitted(m: SyncRecords, done: PartWritten, deps: Pick<RecordsDeps, 'metrics'>, ctx: MessageContext): void {
  for (const w of done.written) deps.metrics.rowsWritten(w.resource, w.n);
  if (done.completed) deps.metrics.syncFinished('completed');
  if (done.warned) ctx.logger.warn({ syncId: m.syncId, unitKey: m.unitKey, codes: done.warned }, 'rows with values that do not fit');
  const row = done.row;
  if (done.completed && row) ctx.logger.info({ syncId: row.id, counts: row.counts }, 'sync completed');
}

/** Writes one records part in its own transaction (`WRITER_BATCH_PARTS=1`, and a failed batch's fallback). */
export function recordsHandler(deps: RecordsDeps) {
  return async (m: SyncRecords, ctx: MessageContext): Promise<HandlerResult> => {
    const started = performance.now();
    const done = await deps.db.transaction().execute((tx) => writePart(tx, m));
    deps.metrics.writeSeconds((performance.now() - started) / 1000);
    deps.committed?.();
    partCommitted(m, done, deps, ctx);
    if (done.row) await deps.publishProgress(done.row, ctx.traceparent);
    return 'ack';
  };
}

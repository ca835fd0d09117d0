import type { HandlerResult, MessageContext, SyncRecords, SyncRow } from '@canvas-sync/shared';
import { eachPreparedAhead } from './prepare-ahead.js';
import { partCommitted, preparePartAhead, recordsHandler, writePart, type PartWritten, type RecordsDeps } from './records.handler.js';

/** How records parts are grouped into transactions (`WRITER_BATCH_PARTS`, `WRITER_CONCURRENCY`). */
export interface BatchOptions {
  /** Most parts one transaction writes; 1 writes each part in its own transaction. */
  maxParts: number;
  /** Transactions this process runs at once. */
  slots: number;
}

interface Queued {
  m: SyncRecords;
  ctx: MessageContext;
  resolve: (result: HandlerResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit of records parts (issue #15): a part costs a handful of statements
 * (records.handler.ts), and its own BEGIN and COMMIT (the WAL flush) would be a large share of them. The records route submits each message and
 * gets the promise of its result; the parts queued together are written by `writePart` one after
 * the other in ONE transaction, and each submitter is resolved after the commit (the consumer
 * acks only what is committed). Batches form only from what is already queued — a part that
 * finds a free slot starts at the next `setImmediate`, so a lone part waits for nothing.
 *
 * After the commit the progress of each sync is published once (its row as the batch's last part
 * of it left it) and the outbox relay is woken once. If the batch transaction fails for any
 * reason, each of its parts is written again alone (the single-part path and its error handling),
 * so a poison part fails alone and the others commit.
 */
export function recordsBatcher(deps: RecordsDeps, options: BatchOptions): (m: SyncRecords, ctx: MessageContext) => Promise<HandlerResult> {
  const alone = recordsHandler(deps);
  if (options.maxParts <= 1) return alone;
  const queue: Queued[] = [];
  let running = 0;
  let scheduled = false;

  const drain = () => {
    scheduled = false;
    while (running < options.slots && queue.length > 0) {
      const batch = queue.splice(0, options.maxParts);
      running++;
      void run(batch)
        .catch((err: unknown) => batch[0]!.ctx.logger.error({ err }, 'records batch: after its commit'))
        .finally(() => {
          running--;
          drain();
        });
    }
  };

  const run = async (batch: Queued[]) => {
    if (batch.length === 1) return settle(batch[0]!, alone(batch[0]!.m, batch[0]!.ctx));
    const started = performance.now();
    let done: PartWritten[];
    try {
      // Deadlocks: a part locks its sync row, then its user's change counter. In (userId, syncId)
      // order, two batches (two slots, two replicas) take the sync rows in one global order and
      // never hold one another's; a user's counter follows its sync's lock, and a user has one
      // active sync (syncs_one_active_per_user), so the counters follow that order too. What is
      // left (a cancelled sync's late parts next to the user's new sync) Postgres detects: the
      // batch falls back to its parts alone, a part alone retries (a deadlock is transient).
      batch.sort((a, b) => comparePart(a.m, b.m));
      // Each part's rows are prepared while the part before it waits on Postgres (prepare-ahead.ts).
      done = await deps.db.transaction().execute((tx) => eachPreparedAhead(batch, (q) => preparePartAhead(q.m), (q, rows) => writePart(tx, q.m, rows)));
    } catch (err) {
      batch[0]!.ctx.logger.warn({ err, parts: batch.length }, 'records batch failed; writing its parts one by one');
      for (const q of batch) await settle(q, alone(q.m, q.ctx));
      return;
    }
    // Committed: whatever happens next, every part is acked (its rows are in).
    try {
      const seconds = (performance.now() - started) / 1000;
      deps.committed?.();
      const latest = new Map<string, { row: SyncRow; ctx: MessageContext }>();
      batch.forEach((q, i) => {
        const written = done[i]!;
        deps.metrics.writeSeconds(seconds);
        partCommitted(q.m, written, deps, q.ctx);
        if (written.row) latest.set(written.row.id, { row: written.row, ctx: q.ctx });
      });
      for (const { row, ctx } of latest.values()) await deps.publishProgress(row, ctx.traceparent);
    } finally {
      for (const q of batch) q.resolve('ack');
    }
  };

  return (m, ctx) =>
    new Promise<HandlerResult>((resolve, reject) => {
      queue.push({ m, ctx, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(drain);
      }
    });
}

async function settle(q: Queued, result: Promise<HandlerResult>): Promise<void> {
  await result.then(q.resolve, q.reject);
}

/** The order parts are written in a batch: by user, sync, unit and part (the lock order, above). */
function comparePart(a: SyncRecords, b: SyncRecords): number {
  return cmp(a.userId, b.userId) || cmp(a.syncId, b.syncId) || cmp(a.unitKey, b.unitKey) || a.part - b.part;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

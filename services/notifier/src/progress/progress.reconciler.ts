import type { Logger } from 'pino';
import { toProgressEvent, type SyncProgress, type SyncRow } from '@canvas-sync/shared';

/** Options for {@link startProgressReconciler}. */
export interface ProgressReconcilerOptions {
  /** The unfinished syncs sockets watch, with the lowest seq sent for each. */
  unfinished(): Map<string, number>;
  /** The rows of those syncs that moved past that seq. */
  findNewer(seqs: ReadonlyMap<string, number>): Promise<SyncRow[]>;
  /** The hub's fan-out: sockets drop what they already have, by seq. */
  publish(event: SyncProgress): Promise<void>;
  intervalMs: number;
  logger: Logger;
}

/** A running reconciler. */
export interface ProgressReconciler {
  /** One catch-up read now (tests; the timer calls the same). Resolves to the events sent. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/** Ids per catch-up query: one round trip covers a notifier's usual load. */
const BATCH = 1_000;

/**
 * Progress events are a fast path, not the truth: the writer publishes one after each commit and
 * does not retry (a newer one supersedes it), and the feed can miss events while JetStream elects a
 * stream leader. For a sync in progress the next event repairs that; for the last one of a sync
 * nothing would, and its watchers would wait forever (the cluster soak saw this: watchers on a
 * notifier that was never killed missed `completed`). So every `intervalMs` the syncs that sockets
 * watch and that have not finished are re-read from Postgres, and a row whose seq moved past what
 * a socket has is fanned out like an event. Cost: one indexed query per interval over the
 * unfinished watched syncs only; nothing when nobody watches a running sync.
 */
export function startProgressReconciler(options: ProgressReconcilerOptions): ProgressReconciler {
  let stopped = false;
  let running: Promise<number> | undefined;

  const runOnce = async (): Promise<number> => {
    const watched = options.unfinished();
    if (watched.size === 0) return 0;
    let sent = 0;
    const entries = [...watched];
    for (let i = 0; i < entries.length; i += BATCH) {
      const rows = await options.findNewer(new Map(entries.slice(i, i + BATCH)));
      for (const row of rows) {
        await options.publish(toProgressEvent(row));
        sent += 1;
      }
    }
    if (sent > 0) options.logger.info({ sent }, 'progress caught up from postgres');
    return sent;
  };

  const tick = () => {
    if (stopped || running) return;
    running = runOnce()
      .catch((err: unknown) => {
        options.logger.warn({ err }, 'progress catch-up failed');
        return 0;
      })
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

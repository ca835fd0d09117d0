import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { publishRetrying, syncProgress, toProgressEvent, type Namespace, type SyncRow } from '@canvas-sync/shared';

/** Publishes the committed state of a sync to SYNC_PROGRESS (after the commit, never before). */
export type ProgressPublisher = (row: SyncRow, traceparent?: string) => Promise<void>;

const ENDED = new Set(['completed', 'failed', 'cancelled']);

/** True when the sync has ended: its progress event is the last one. */
export function hasEnded(row: Pick<SyncRow, 'status'>): boolean {
  return ENDED.has(row.status);
}

export function progressPublisher(js: JetStreamClient, ns: Namespace, logger: Logger): ProgressPublisher {
  return async (row, traceparent) => {
    try {
      // Through a JetStream leader election too: the id keeps an event that is tried again once.
      await publishRetrying(js, ns, syncProgress, toProgressEvent(row), {
        id: `${row.id}:seq:${row.seq}`,
        correlationId: row.id,
        tokens: [row.id],
        ...(traceparent ? { traceparent } : {}),
      });
    } catch (err) {
      // The row is the truth and the next event supersedes this one; a lost frame is not lost data.
      logger.warn({ err, syncId: row.id, seq: row.seq }, 'progress event not published');
      // …except a sync's last one, which nothing supersedes: a browser watching it would wait for
      // ever (the cluster soak's watchers did). The caller's message is nak'ed, and its redelivery
      // publishes the ended sync's state again (records handler).
      if (ENDED.has(row.status)) throw err;
    }
  };
}

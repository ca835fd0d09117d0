import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { publish, syncProgress, toProgressEvent, type Namespace, type SyncRow } from '@canvas-sync/shared';

/** Publishes the committed state of a sync to SYNC_PROGRESS (after the commit, never before). */
export type ProgressPublisher = (row: SyncRow, traceparent?: string) => Promise<void>;

export function progressPublisher(js: JetStreamClient, ns: Namespace, logger: Logger): ProgressPublisher {
  return async (row, traceparent) => {
    try {
      await publish(js, ns, syncProgress, toProgressEvent(row), {
        id: `${row.id}:seq:${row.seq}`,
        correlationId: row.id,
        tokens: [row.id],
        ...(traceparent ? { traceparent } : {}),
      });
    } catch (err) {
      // The row is the truth and the next event supersedes this one; a lost frame is not lost data.
      logger.warn({ err, syncId: row.id, seq: row.seq }, 'progress event not published');
    }
  };
}

import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { childTraceparent, publish, publishCore, publishRetrying, syncControl, syncProgress, syncRequested, toProgressEvent, type Namespace, type SyncRow } from '@canvas-sync/shared';

/** What the sync handlers send over NATS; the port keeps them free of `@nats-io/*`. */
export interface SyncBus {
  /** `sync.requested` for the row's current run; its message id makes a repeated publish a no-op. */
  requestSync(row: SyncRow): Promise<void>;
  /** The progress event for the row's current state (`seq` is the row's). */
  publishProgress(row: SyncRow): Promise<void>;
  /** Core-NATS broadcast telling every fetcher to stop work on the sync now. */
  broadcastCancel(row: SyncRow): void;
}

/** The NATS adapter of {@link SyncBus}. */
export function natsSyncBus(nc: NatsConnection, js: JetStreamClient, ns: Namespace): SyncBus {
  return {
    async requestSync(row) {
      // Tried again for a few seconds through a JetStream leader election (the id keeps it once).
      await publishRetrying(js, ns, syncRequested, { syncId: row.id, userId: row.user_id, run: row.run }, {
        id: `${row.id}:run:${row.run}`,
        correlationId: row.id,
        traceparent: childTraceparent(row.traceparent),
      });
    },
    async publishProgress(row) {
      await publish(js, ns, syncProgress, toProgressEvent(row), {
        id: `${row.id}:seq:${row.seq}`,
        correlationId: row.id,
        tokens: [row.id],
        traceparent: childTraceparent(row.traceparent),
      });
    },
    broadcastCancel(row) {
      publishCore(nc, ns, syncControl, { syncId: row.id, action: 'cancel' }, { correlationId: row.id, traceparent: childTraceparent(row.traceparent) });
    },
  };
}

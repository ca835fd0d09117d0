import type { JetStreamClient } from '@nats-io/jetstream';
import {
  childTraceparent,
  fetchUnit,
  publish,
  syncPlanned,
  syncRecords,
  syncStatus,
  type FetchUnit,
  type Namespace,
  type SyncPlanned,
  type SyncRecords,
  type SyncStatusEvent,
} from '@canvas-sync/shared';

/** Where a message came from, carried onto what we publish (correlation and trace). */
export interface Origin {
  correlationId: string;
  traceparent: string | undefined;
}

/** A part of records whose rows are already JSON text (`recordsJson`: a `RecordSet` object, serialized, in pieces to concatenate). */
export type SerializedRecords = Omit<SyncRecords, 'records'> & { recordsJson: readonly string[] };

/** Everything the fetcher publishes, with deterministic message ids so a retry is deduplicated. */
export interface PipelinePublisher {
  records(message: SerializedRecords, origin: Origin): Promise<void>;
  planned(message: SyncPlanned, origin: Origin): Promise<void>;
  unit(message: FetchUnit, origin: Origin): Promise<void>;
  status(message: SyncStatusEvent, origin: Origin, id?: string): Promise<void>;
}

export function pipelinePublisher(js: JetStreamClient, ns: Namespace): PipelinePublisher {
  const opts = (origin: Origin, id?: string) => ({ correlationId: origin.correlationId, traceparent: childTraceparent(origin.traceparent), ...(id ? { id } : {}) });
  return {
    async records({ recordsJson, ...m }, origin) {
      // The rows were serialized once, to split parts by bytes; they go out as that text.
      await publish(js, ns, syncRecords, { ...m, records: {} }, opts(origin, `${m.syncId}:${m.unitKey}:${m.fetchId}:${m.part}`), { key: 'records', json: recordsJson, placeholder: {} });
    },
    async planned(m, origin) {
      await publish(js, ns, syncPlanned, m, opts(origin, `${m.syncId}:r${m.run}:planned:${m.courseIds.length}`));
    },
    async unit(m, origin) {
      await publish(js, ns, fetchUnit, m, opts(origin, `${m.syncId}:r${m.run}:u${m.unitIndex}:${m.courseIds[0]}`));
    },
    async status(m, origin, id) {
      await publish(js, ns, syncStatus, m, opts(origin, id));
    },
  };
}

import { AckPolicy, DiscardPolicy, RetentionPolicy, StorageType, type ConsumerConfig, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { MessageDef } from './envelope.js';
import { deadLetter } from './dead-letter.js';
import { fetchUnit } from './fetch-unit.js';
import { syncPlanned } from './sync-planned.js';
import { syncProgress } from './sync-progress.js';
import { syncRecords } from './sync-records.js';
import { syncRequested } from './sync-requested.js';
import { syncStatus } from './sync-status.js';
import { syncControl } from './sync-control.js';
import { canvasChanges } from './canvas-changes.js';
import { syncFinished } from './sync-finished.js';

/**
 * Subjects and stream names carry an optional namespace so that tests (and tenants) can share a
 * NATS server: namespace `t1` turns `sync.fetch.v1` into `t1.sync.fetch.v1` and `SYNC_WORK` into `T1_SYNC_WORK`.
 */
export interface Namespace {
  subject(def: MessageDef, ...tokens: string[]): string;
  stream(name: StreamName): string;
  /** A KV bucket name (e.g. the fetchers' shared token budget). */
  bucket(name: 'TOKEN_BUDGET'): string;
}

export type StreamName = 'SYNC_WORK' | 'SYNC_RESULTS' | 'SYNC_PROGRESS' | 'DEAD_LETTERS' | 'CANVAS_EVENTS';

/** Builds the subject/stream naming for a namespace ('' = none). */
export function namespace(ns: string): Namespace {
  return {
    subject: (def, ...tokens) => [ns, def.subject, ...tokens].filter((t) => t !== '').join('.'),
    stream: (name) => (ns === '' ? name : `${ns.toUpperCase()}_${name}`),
    bucket: (name) => (ns === '' ? name : `${ns.toUpperCase()}_${name}`),
  };
}

/**
 * The fetchers' shared Canvas token budget (a KV bucket, `ns.bucket('TOKEN_BUDGET')`): one entry
 * per token, the latest only, forgotten after an hour without use. The fetchers open it with these
 * options; provisioning creates it with them too, at the namespace's replica count.
 */
export const TOKEN_BUDGET_KV = { history: 1, ttl: 3_600_000 } as const;

/** Largest message we publish; NATS's default max_payload is 1 MiB and the stream enforces it too. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Budget for one records part, leaving room for the envelope and headers. */
export const RECORDS_PART_BYTES = 512 * 1024;
/** Dedup window: a re-published message id inside it is dropped by the server. */
const DUPLICATE_WINDOW = nanos(10 * 60_000);

/** The streams, in one place (a provisioning job or each service's start-up applies them). */
export function streamConfigs(ns: Namespace): Array<Partial<StreamConfig> & { name: string; subjects: string[] }> {
  return [
    {
      // Work queue: each message is removed once a consumer acks it.
      name: ns.stream('SYNC_WORK'),
      subjects: [ns.subject(syncRequested), ns.subject(fetchUnit)],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: DUPLICATE_WINDOW,
      max_msg_size: MAX_MESSAGE_BYTES,
      // Bounded by count, not bytes: max_bytes reserves file storage up front on the server.
      max_msgs: 1_000_000,
      discard: DiscardPolicy.New,
    },
    {
      name: ns.stream('SYNC_RESULTS'),
      subjects: [ns.subject(syncRecords), ns.subject(syncPlanned), ns.subject(syncStatus)],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: DUPLICATE_WINDOW,
      max_msg_size: MAX_MESSAGE_BYTES,
      max_msgs: 1_000_000,
      discard: DiscardPolicy.New,
    },
    {
      // The latest state of each sync (one message per subject), for notifier replicas to fan out.
      name: ns.stream('SYNC_PROGRESS'),
      subjects: [ns.subject(syncProgress, '*')],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_msgs_per_subject: 1,
      max_age: nanos(24 * 3600_000),
      max_msg_size: MAX_MESSAGE_BYTES,
      duplicate_window: nanos(60_000),
    },
    {
      name: ns.stream('DEAD_LETTERS'),
      subjects: [ns.subject(deadLetter)],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(14 * 24 * 3600_000),
      max_msgs: 100_000,
      duplicate_window: nanos(60_000),
    },
    {
      // Change events for platform teams and the webhook dispatcher (DESIGN.md "Schedules, change
      // events and webhooks"): kept 7 days whether read or not, so a consumer that was down for a
      // weekend catches up; the oldest go first past 10 million messages. Webhook retries last 24 h,
      // well inside this.
      name: ns.stream('CANVAS_EVENTS'),
      subjects: [ns.subject(canvasChanges, '*'), ns.subject(syncFinished, '*')],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(7 * 24 * 3600_000),
      max_msgs: 10_000_000,
      max_msg_size: MAX_MESSAGE_BYTES,
      discard: DiscardPolicy.Old,
      duplicate_window: DUPLICATE_WINDOW,
    },
  ];
}

/** A durable pull consumer and the stream it reads. Durables are named `<service>-<event>`. */
export interface ConsumerDef {
  stream: string;
  config: Partial<ConsumerConfig> & { durable_name: string; ack_wait: number; max_deliver: number };
}

export const DURABLES = {
  planner: 'fetcher-sync-requested',
  fetcher: 'fetcher-sync-fetch',
  writer: 'writer-sync-results',
} as const;

/** Ack timeouts; long handlers call `working()` to extend them (see consume). */
export const ACK_WAIT_MS = { planner: 60_000, fetcher: 60_000, writer: 30_000 } as const;

/** The durable consumers of the pipeline. */
export function consumerConfigs(ns: Namespace): ConsumerDef[] {
  const base = { ack_policy: AckPolicy.Explicit, max_ack_pending: 1000 };
  return [
    {
      stream: ns.stream('SYNC_WORK'),
      config: { ...base, durable_name: DURABLES.planner, filter_subject: ns.subject(syncRequested), ack_wait: nanos(ACK_WAIT_MS.planner), max_deliver: 10 },
    },
    {
      stream: ns.stream('SYNC_WORK'),
      // Many deliveries on purpose: a unit is put back (nak) while its user is at their fair share of
      // fetcher slots. Retries stay bounded by the sync's life: units of a failed/cancelled sync are acked.
      config: { ...base, durable_name: DURABLES.fetcher, filter_subject: ns.subject(fetchUnit), ack_wait: nanos(ACK_WAIT_MS.fetcher), max_deliver: 1000 },
    },
    {
      stream: ns.stream('SYNC_RESULTS'),
      config: { ...base, durable_name: DURABLES.writer, ack_wait: nanos(ACK_WAIT_MS.writer), max_deliver: 20 },
    },
  ];
}

/** Core-NATS subject (no stream) for cancel broadcasts. */
export function controlSubject(ns: Namespace): string {
  return ns.subject(syncControl);
}

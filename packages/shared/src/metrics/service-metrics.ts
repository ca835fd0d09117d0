import { createHash } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RESOURCES, type Resource } from '../messages/common.js';
import { type ConsumerLagSource, lagGauges } from './consumer-lag.js';

/** How a sync ended (or that it started): the only label of `canvas_sync_syncs_total`. */
export type SyncOutcome = 'started' | 'completed' | 'failed' | 'cancelled';
/** A Canvas answer's status family; `network` when no answer came (timeout, reset, DNS). */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'network';
/** Circuit-breaker states as the gauge reports them (0 closed, 1 half-open, 2 open). */
export const BREAKER_STATE = { closed: 0, halfOpen: 1, open: 2 } as const;
/** A breaker state by name, as the fetcher's breakers report it. */
export type BreakerState = keyof typeof BREAKER_STATE;

const SYNC_OUTCOMES: readonly SyncOutcome[] = ['started', 'completed', 'failed', 'cancelled'];
const STATUS_CLASSES: readonly StatusClass[] = ['2xx', '3xx', '4xx', '5xx', 'network'];

/**
 * The metrics of one service process, on its own registry. Every label value is typed to a
 * closed set (outcomes, status classes, resources, durables) or a hash, so no user id, token or
 * Canvas host can become a label: each distinct label value is a time series kept forever.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** `canvas_sync_syncs_total{outcome}`. */
  readonly syncs: { inc(labels: { outcome: SyncOutcome }, value?: number): void };
  /** `canvas_sync_canvas_requests_total{status_class}`; use {@link statusClassOf}. */
  readonly canvasRequests: { inc(labels: { status_class: StatusClass }, value?: number): void };
  /** `canvas_sync_canvas_throttles_total`: 429s and 403 "Rate Limit Exceeded". */
  readonly canvasThrottles: { inc(value?: number): void };
  /** `canvas_sync_pages_fetched_total`: Canvas pages read (one per followed `rel="next"`). */
  readonly pagesFetched: { inc(value?: number): void };
  /** `canvas_sync_rows_written_total{resource}`: rows upserted or marked deleted. */
  readonly rowsWritten: { inc(labels: { resource: Resource }, value?: number): void };
  /** `canvas_sync_write_seconds`: one bulk write transaction (rows + checkpoint). */
  readonly writeSeconds: { observe(seconds: number): void; startTimer(): () => number };
  /** `canvas_sync_ws_connections`: open WebSockets on this notifier. */
  readonly wsConnections: { inc(value?: number): void; dec(value?: number): void; set(value: number): void };
  /** Reports a Canvas host's breaker as `canvas_sync_breaker_state{host_hash}`. */
  setBreakerState(host: string, state: BreakerState): void;
  /** Removes a Canvas host's breaker gauge (its breaker was dropped), so labels stay bounded. */
  removeBreaker(host: string): void;
  /** Makes each scrape read JetStream consumer lag from `source` (see `jetStreamLagSource`). */
  watchConsumers(source: ConsumerLagSource): void;
  /** The Prometheus text of this registry; the shape `startHealthServer({ metrics })` takes. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Options for {@link createServiceMetrics}. */
export interface ServiceMetricsOptions {
  /** Added as the `service` label of every series (api, fetcher, writer, notifier). */
  service: string;
  /** Process metrics (CPU, memory, event-loop lag, GC); on by default. */
  defaultMetrics?: boolean;
}

/** Creates a registry with every canvas-sync metric (and the default process metrics) registered. */
export function createServiceMetrics(options: ServiceMetricsOptions): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const syncs = new Counter({ name: 'canvas_sync_syncs_total', help: 'Syncs by outcome: started, completed, failed, cancelled.', labelNames: ['outcome'] as const, registers });
  const canvasRequests = new Counter({ name: 'canvas_sync_canvas_requests_total', help: 'Canvas API requests by status class (2xx..5xx, network).', labelNames: ['status_class'] as const, registers });
  const canvasThrottles = new Counter({ name: 'canvas_sync_canvas_throttles_total', help: 'Canvas answers that were throttles (429, or 403 Rate Limit Exceeded).', registers });
  const breakerState = new Gauge({ name: 'canvas_sync_breaker_state', help: 'Circuit breaker per Canvas host (hashed): 0 closed, 1 half-open, 2 open.', labelNames: ['host_hash'] as const, registers });
  const pagesFetched = new Counter({ name: 'canvas_sync_pages_fetched_total', help: 'Canvas result pages fetched.', registers });
  const rowsWritten = new Counter({ name: 'canvas_sync_rows_written_total', help: 'Rows written to Postgres, by resource.', labelNames: ['resource'] as const, registers });
  const writeSeconds = new Histogram({
    name: 'canvas_sync_write_seconds',
    help: 'Duration of one bulk write transaction (rows and checkpoint).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const wsConnections = new Gauge({ name: 'canvas_sync_ws_connections', help: 'Open WebSocket connections.', registers });
  const lag = lagGauges(registry);

  // Zero-valued series from the start, so rate() and dashboards work before the first event.
  for (const outcome of SYNC_OUTCOMES) syncs.inc({ outcome }, 0);
  for (const status_class of STATUS_CLASSES) canvasRequests.inc({ status_class }, 0);
  for (const resource of RESOURCES) rowsWritten.inc({ resource }, 0);

  return {
    registry,
    syncs,
    canvasRequests,
    canvasThrottles,
    pagesFetched,
    rowsWritten,
    writeSeconds: { observe: (s) => writeSeconds.observe(s), startTimer: () => writeSeconds.startTimer() },
    wsConnections,
    setBreakerState: (host, state) => breakerState.set({ host_hash: hostHash(host) }, BREAKER_STATE[state]),
    removeBreaker: (host) => breakerState.remove({ host_hash: hostHash(host) }),
    watchConsumers: (source) => lag.watch(source),
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

/** The status class label of a Canvas answer; `undefined` (no answer) is `network`. */
export function statusClassOf(status: number | undefined): StatusClass {
  if (status === undefined || status < 200 || status >= 600) return 'network';
  return `${Math.floor(status / 100)}xx` as StatusClass;
}

/**
 * A short stable pseudonym of a Canvas host for the `host_hash` label: enough to tell breakers
 * apart on a dashboard without writing an institution's hostname into the metrics store.
 */
export function hostHash(host: string): string {
  return createHash('sha256').update(host.trim().toLowerCase()).digest('hex').slice(0, 12);
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServiceMetrics, hostHash, statusClassOf } from './service-metrics.js';

const DOCUMENTED = [
  'canvas_sync_syncs_total',
  'canvas_sync_canvas_requests_total',
  'canvas_sync_canvas_throttles_total',
  'canvas_sync_breaker_state',
  'canvas_sync_pages_fetched_total',
  'canvas_sync_rows_written_total',
  'canvas_sync_write_seconds',
  'canvas_sync_jetstream_consumer_pending',
  'canvas_sync_jetstream_consumer_ack_pending',
  'canvas_sync_ws_connections',
];

/** The value of one series in Prometheus text, or undefined when the series is absent. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createServiceMetrics', () => {
  afterEach(() => vi.useRealTimers());

  it('registers every documented metric, with HELP, and the process metrics', async () => {
    const metrics = createServiceMetrics({ service: 'fetcher' });
    const { contentType, body } = await metrics.scrape();
    expect(contentType).toMatch(/^text\/plain/);
    for (const name of DOCUMENTED) expect(body).toContain(`# HELP ${name} `);
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('nodejs_eventloop_lag_seconds');
  });

  it('starts outcome, status-class and resource series at zero so rate() works from the first scrape', async () => {
    const { body } = await createServiceMetrics({ service: 'writer', defaultMetrics: false }).scrape();
    expect(valueOf(body, 'canvas_sync_syncs_total{outcome="failed",service="writer"}')).toBe(0);
    expect(valueOf(body, 'canvas_sync_canvas_requests_total{status_class="5xx",service="writer"}')).toBe(0);
    expect(valueOf(body, 'canvas_sync_rows_written_total{resource="submissions",service="writer"}')).toBe(0);
  });

  it('counts what the services report', async () => {
    const metrics = createServiceMetrics({ service: 'fetcher', defaultMetrics: false });
    metrics.syncs.inc({ outcome: 'started' });
    metrics.syncs.inc({ outcome: 'completed' }, 2);
    metrics.canvasRequests.inc({ status_class: statusClassOf(429) });
    metrics.canvasThrottles.inc();
    metrics.pagesFetched.inc(3);
    metrics.rowsWritten.inc({ resource: 'assignments' }, 100);
    metrics.writeSeconds.observe(0.07);
    metrics.wsConnections.inc();
    metrics.wsConnections.inc();
    metrics.wsConnections.dec();
    const { body } = await metrics.scrape();
    expect(valueOf(body, 'canvas_sync_syncs_total{outcome="started",service="fetcher"}')).toBe(1);
    expect(valueOf(body, 'canvas_sync_syncs_total{outcome="completed",service="fetcher"}')).toBe(2);
    expect(valueOf(body, 'canvas_sync_canvas_requests_total{status_class="4xx",service="fetcher"}')).toBe(1);
    expect(valueOf(body, 'canvas_sync_canvas_throttles_total{service="fetcher"}')).toBe(1);
    expect(valueOf(body, 'canvas_sync_pages_fetched_total{service="fetcher"}')).toBe(3);
    expect(valueOf(body, 'canvas_sync_rows_written_total{resource="assignments",service="fetcher"}')).toBe(100);
    expect(valueOf(body, 'canvas_sync_write_seconds_bucket{le="0.1",service="fetcher"}')).toBe(1);
    expect(valueOf(body, 'canvas_sync_write_seconds_bucket{le="0.05",service="fetcher"}')).toBe(0);
    expect(valueOf(body, 'canvas_sync_ws_connections{service="fetcher"}')).toBe(1);
  });

  it('labels breakers by a hash of the host, never the host itself', async () => {
    const metrics = createServiceMetrics({ service: 'fetcher', defaultMetrics: false });
    metrics.setBreakerState('Springfield.Instructure.com', 'open');
    metrics.setBreakerState('other.example.edu', 'halfOpen');
    const { body } = await metrics.scrape();
    expect(body.toLowerCase()).not.toContain('springfield');
    expect(hostHash('springfield.instructure.com')).toMatch(/^[0-9a-f]{12}$/);
    expect(valueOf(body, `canvas_sync_breaker_state{host_hash="${hostHash('springfield.instructure.com')}",service="fetcher"}`)).toBe(2);
    expect(valueOf(body, `canvas_sync_breaker_state{host_hash="${hostHash('other.example.edu')}",service="fetcher"}`)).toBe(1);
  });

  it('removes the label of a dropped breaker, so labels stay bounded however many hosts come', async () => {
    const metrics = createServiceMetrics({ service: 'fetcher', defaultMetrics: false });
    metrics.setBreakerState('gone.example.edu', 'open');
    metrics.setBreakerState('kept.example.edu', 'closed');
    metrics.removeBreaker('gone.example.edu');
    const { body } = await metrics.scrape();
    expect(body).not.toContain(hostHash('gone.example.edu'));
    expect(valueOf(body, `canvas_sync_breaker_state{host_hash="${hostHash('kept.example.edu')}",service="fetcher"}`)).toBe(0);
  });

  it('maps answers to status classes', () => {
    expect([200, 304, 403, 503, undefined, 0].map(statusClassOf)).toEqual(['2xx', '3xx', '4xx', '5xx', 'network', 'network']);
  });
});

describe('JetStream lag gauges', () => {
  afterEach(() => vi.useRealTimers());

  it('read the watched source once per scrape and report pending and ack-pending per durable', async () => {
    const metrics = createServiceMetrics({ service: 'fetcher', defaultMetrics: false });
    const source = vi.fn(async () => [
      { durable: 'fetcher-sync-fetch', pending: 42, ackPending: 8 },
      { durable: 'fetcher-sync-requested', pending: 0, ackPending: 1 },
    ]);
    metrics.watchConsumers(source);
    const { body } = await metrics.scrape();
    expect(source).toHaveBeenCalledTimes(1);
    expect(valueOf(body, 'canvas_sync_jetstream_consumer_pending{durable="fetcher-sync-fetch",service="fetcher"}')).toBe(42);
    expect(valueOf(body, 'canvas_sync_jetstream_consumer_ack_pending{durable="fetcher-sync-fetch",service="fetcher"}')).toBe(8);
    expect(valueOf(body, 'canvas_sync_jetstream_consumer_pending{durable="fetcher-sync-requested",service="fetcher"}')).toBe(0);
  });

  it('drop the series instead of repeating a stale value when JetStream does not answer', async () => {
    vi.useFakeTimers();
    const metrics = createServiceMetrics({ service: 'writer', defaultMetrics: false });
    let fail = false;
    metrics.watchConsumers(async () => {
      if (fail) throw new Error('no responders');
      return [{ durable: 'writer-sync-results', pending: 5, ackPending: 0 }];
    });
    expect((await metrics.scrape()).body).toContain('canvas_sync_jetstream_consumer_pending{durable="writer-sync-results"');
    fail = true;
    await vi.advanceTimersByTimeAsync(1_100); // past the per-scrape read cache
    const { body } = await metrics.scrape();
    expect(body).not.toContain('canvas_sync_jetstream_consumer_pending{durable=');
    expect(body).toContain('# HELP canvas_sync_jetstream_consumer_pending');
  });

  it('give up on a hanging source after the scrape deadline', async () => {
    vi.useFakeTimers();
    const metrics = createServiceMetrics({ service: 'writer', defaultMetrics: false });
    metrics.watchConsumers(() => new Promise(() => undefined));
    const scrape = metrics.scrape();
    await vi.advanceTimersByTimeAsync(2_000);
    const { body } = await scrape;
    expect(body).not.toContain('canvas_sync_jetstream_consumer_pending{durable=');
  });
});

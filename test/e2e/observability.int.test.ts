import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort, spawnService, startPipeline, waitFor, type PipelineHarness, type ServiceProcess } from '@canvas-sync/testkit';

/**
 * The whole system as separate processes (api, fetcher, writer, notifier) on real NATS and
 * Postgres, one sync started through the HTTP API: each service's `/metrics` is scraped before,
 * during and after it, and the documented metrics must move — and never carry a user id.
 */
const SECRET = 'observability-test-secret-0123456789abcdef';
const USER = 'obs-user-7f3a';

type Scrape = Map<string, number>;

/** Prometheus text → series → value (`name{labels}` exactly as exposed). */
function parse(text: string): Scrape {
  const out: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** Sum of every series of `name` whose labels include all of `labels`. */
function total(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [series, value] of scrape) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?$/.exec(series);
    if (m?.[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

describe('metrics move during a sync', () => {
  let h: PipelineHarness;
  const ports = { api: 0, notifier: 0, fetcher: 0, writer: 0 };
  /** api and notifier serve /metrics on METRICS_PORT (operators only), not on their public port. */
  const metricsPorts = { api: 0, notifier: 0 };
  const extra: ServiceProcess[] = [];
  const texts: string[] = [];
  let token = '';

  const scrape = async (service: keyof typeof ports): Promise<Scrape> => {
    const port = service === 'api' || service === 'notifier' ? metricsPorts[service] : ports[service];
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    texts.push(text);
    return parse(text);
  };
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${ports.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  beforeAll(async () => {
    // Canvas answers slowly enough (and the student has enough courses) that a sync lasts seconds.
    h = await startPipeline({
      fetchers: 0,
      writers: 0,
      sim: { users: [{ profile: 'student' }], latency: { baseMs: 250, perItemMs: 0 } },
      env: { AUTH_JWT_SECRET: SECRET, CANVAS_ALLOW_PRIVATE_NETWORK: 'true', CANVAS_ALLOWED_HOSTS: '*' },
    });
    // Started here rather than by the harness, to know each one's port.
    for (const [name, variable] of [['fetcher', 'HEALTH_PORT'], ['writer', 'HEALTH_PORT'], ['api', 'API_PORT'], ['notifier', 'NOTIFIER_PORT']] as const) {
      ports[name] = await freePort();
      const metricsEnv: Record<string, string> = name === 'api' || name === 'notifier' ? { METRICS_PORT: String((metricsPorts[name] = await freePort())) } : {};
      // At info, api, fetcher and writer log lines that carry the sync's trace id (below).
      const service = spawnService(name, { ...h.env, [variable]: String(ports[name]), ...metricsEnv, LOG_LEVEL: 'info' });
      extra.push(service);
      await service.waitReady(ports[name]);
    }
    token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(USER).setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(extra.map((s) => s.kill('SIGTERM')));
    await h?.close();
  });

  it('api, fetcher, writer and notifier report the sync as it happens', { timeout: 120_000 }, async () => {
    const student = h.sim.users[0]!;
    expect((await api('PUT', '/api/v1/canvas/connection', { baseUrl: h.sim.url, accessToken: student.token })).status).toBe(204);

    // A browser watching: the notifier counts its authenticated socket.
    const socket = new WebSocket(`ws://127.0.0.1:${ports.notifier}/ws`);
    const frames: Array<{ type: string }> = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data)) as { type: string }));
    await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
    socket.send(JSON.stringify({ type: 'auth', token }));
    await waitFor(async () => frames.some((f) => f.type === 'ready'), 10_000, 'notifier ready frame');
    expect(total(await scrape('notifier'), 'notifier_ws_connections')).toBe(1);

    const before = { api: await scrape('api'), fetcher: await scrape('fetcher'), writer: await scrape('writer') };
    const started = await api('POST', '/api/v1/syncs', { scope: { type: 'all' }, mode: 'full' });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };

    // While the sync runs: Canvas pages counted by the fetcher, rows by the writer.
    let during: { fetcher?: Scrape; writer?: Scrape } = {};
    let status = 'queued';
    await waitFor(async () => {
      status = ((await (await api('GET', `/api/v1/syncs/${id}`)).json()) as { status: string }).status;
      if (status === 'running') {
        const fetcher = await scrape('fetcher');
        const writer = await scrape('writer');
        if (!during.fetcher && total(fetcher, 'canvas_sync_pages_fetched_total') > 0) during = { ...during, fetcher };
        if (!during.writer && total(writer, 'canvas_sync_rows_written_total') > 0) during = { ...during, writer };
      }
      return ['completed', 'failed', 'cancelled'].includes(status);
    }, 90_000, () => `sync ${id} to finish (last status ${status})`);
    expect(status).toBe('completed');
    expect(during.fetcher, 'a fetcher scrape while the sync was running showed pages fetched').toBeDefined();
    expect(during.writer, 'a writer scrape while the sync was running showed rows written').toBeDefined();

    const after = { api: await scrape('api'), fetcher: await scrape('fetcher'), writer: await scrape('writer'), notifier: await scrape('notifier') };
    // api: the start, and its HTTP requests.
    expect(total(after.api, 'canvas_sync_syncs_total', { outcome: 'started' }) - total(before.api, 'canvas_sync_syncs_total', { outcome: 'started' })).toBe(1);
    expect(total(after.api, 'canvas_sync_http_request_duration_seconds_count')).toBeGreaterThan(total(before.api, 'canvas_sync_http_request_duration_seconds_count'));
    // fetcher: Canvas requests by class and pages, still rising after the mid-sync scrape; lag gauges per durable.
    expect(total(after.fetcher, 'canvas_sync_canvas_requests_total', { status_class: '2xx' })).toBeGreaterThan(total(before.fetcher, 'canvas_sync_canvas_requests_total', { status_class: '2xx' }));
    expect(total(after.fetcher, 'canvas_sync_pages_fetched_total')).toBeGreaterThanOrEqual(total(during.fetcher!, 'canvas_sync_pages_fetched_total'));
    expect(total(after.fetcher, 'canvas_sync_pages_fetched_total')).toBeGreaterThan(total(before.fetcher, 'canvas_sync_pages_fetched_total'));
    expect([...after.fetcher.keys()].some((s) => s.startsWith('canvas_sync_jetstream_consumer_pending{durable="fetcher-sync-fetch"'))).toBe(true);
    // writer: rows per resource, write latency, the completion, its own lag gauge.
    for (const resource of ['courses', 'assignments']) expect(total(after.writer, 'canvas_sync_rows_written_total', { resource }), resource).toBeGreaterThan(0);
    expect(total(after.writer, 'canvas_sync_rows_written_total')).toBeGreaterThanOrEqual(total(during.writer!, 'canvas_sync_rows_written_total'));
    expect(total(after.writer, 'canvas_sync_write_seconds_count')).toBeGreaterThan(0);
    expect(total(after.writer, 'canvas_sync_syncs_total', { outcome: 'completed' }) - total(before.writer, 'canvas_sync_syncs_total', { outcome: 'completed' })).toBe(1);
    expect([...after.writer.keys()].some((s) => s.startsWith('canvas_sync_jetstream_consumer_pending{durable="writer-sync-results"'))).toBe(true);

    // The api starts a W3C trace for the request; it travels in NATS headers to fetcher and writer.
    const { traceparent } = await h.database.db.selectFrom('syncs').select('traceparent').where('id', '=', id).executeTakeFirstOrThrow();
    const traceId = /^00-([0-9a-f]{32})-/.exec(traceparent ?? '')?.[1];
    expect(traceId, 'the api recorded a traceparent for the sync').toBeDefined();
    for (const name of ['api', 'fetcher', 'writer']) {
      const lines = extra.find((s) => s.name === name)!.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { traceId?: string });
      expect(lines.some((l) => l.traceId === traceId), `${name} logged the sync's trace id`).toBe(true);
    }

    socket.close();
    await waitFor(async () => total(await scrape('notifier'), 'notifier_ws_connections') === 0, 10_000, 'notifier to count the socket closed');

    // No scrape, of any service, names the user, the sync or the Canvas token.
    for (const text of texts) {
      expect(text).not.toContain(USER);
      expect(text).not.toContain(id);
      expect(text).not.toContain(student.token);
    }
  });
});

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { HubStats } from '../ws/session-hub.js';

/** The notifier's Prometheus metrics, on a registry of its own (no global state). */
export interface NotifierMetrics {
  registry: Registry;
  framesCoalesced: Counter;
}

/** Builds the registry; connection and event figures are read from the hub at scrape time. */
export function createNotifierMetrics(stats: () => HubStats): NotifierMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'notifier_ws_connections',
    help: 'Authenticated WebSocket connections',
    registers: [registry],
    collect() {
      this.set(stats().connections);
    },
  });
  new Gauge({
    name: 'notifier_ws_users',
    help: 'Users with at least one authenticated WebSocket',
    registers: [registry],
    collect() {
      this.set(stats().users);
    },
  });
  new Gauge({
    name: 'notifier_progress_events',
    help: 'Progress events read from SYNC_PROGRESS since start',
    registers: [registry],
    collect() {
      this.set(stats().events);
    },
  });
  const framesCoalesced = new Counter({ name: 'notifier_frames_coalesced_total', help: 'Progress frames replaced by a newer one for a slow client', registers: [registry] });
  return { registry, framesCoalesced };
}

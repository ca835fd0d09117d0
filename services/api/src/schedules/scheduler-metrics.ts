import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a due schedule was left for a later tick. */
export type ScheduleSkipReason = 'single_flight' | 'reauth' | 'cap';
export const SCHEDULE_SKIP_REASONS: readonly ScheduleSkipReason[] = ['single_flight', 'reauth', 'cap'];

/** What the scheduler reports (wired to Prometheus in main.ts; a no-op in tests that don't care). */
export interface SchedulerMetrics {
  /** Whether this replica holds the lease: on every change (taken, lost, released). */
  leading(held: boolean): void;
  /** A scheduled sync was announced (due, or left unannounced by a dead leader). */
  started(): void;
  /** `count` due schedules this tick left, for `reason`. */
  skipped(reason: ScheduleSkipReason, count: number): void;
}

/**
 * `canvas_sync_scheduler_leader` (1 on the replica holding the lease, 0 on the others: their sum
 * should be 1), `canvas_sync_scheduled_syncs_started_total`, and
 * `canvas_sync_schedules_skipped_total{reason}`: due schedules each leader tick left, counted at
 * every tick (a schedule held back for a minute at 5 s ticks counts 12 times; read it as a rate).
 */
export function schedulerMetrics(registry: Registry): SchedulerMetrics {
  const registers = [registry];
  const leader = new Gauge({ name: 'canvas_sync_scheduler_leader', help: 'Whether this api replica holds the scheduler lease (1) or not (0).', registers });
  const started = new Counter({ name: 'canvas_sync_scheduled_syncs_started_total', help: 'Scheduled syncs announced by the scheduler.', registers });
  const skipped = new Counter({
    name: 'canvas_sync_schedules_skipped_total',
    help: 'Due schedules a scheduler tick left for later, by reason: single_flight (a sync of the user queued or running), reauth (connection disconnected or needing reconnection), cap (SCHEDULE_MAX_ACTIVE reached).',
    labelNames: ['reason'] as const,
    registers,
  });
  // Zero-valued series from the start, so rate() and dashboards work before the first event.
  leader.set(0);
  for (const reason of SCHEDULE_SKIP_REASONS) skipped.inc({ reason }, 0);
  return {
    leading: (held) => leader.set(held ? 1 : 0),
    started: () => started.inc(),
    skipped: (reason, count) => {
      if (count > 0) skipped.inc({ reason }, count);
    },
  };
}

export const noopSchedulerMetrics: SchedulerMetrics = { leading: () => undefined, started: () => undefined, skipped: () => undefined };

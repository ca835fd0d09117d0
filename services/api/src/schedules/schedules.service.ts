import type { SyncScheduleRow } from '@canvas-sync/shared';
import type { ScheduleConfig } from './schedule.config.js';
import type { ScheduleStore } from './schedules.repository.js';
import type { PutScheduleBody, ScheduleView } from './schedules.schemas.js';

/** The ports the schedule handlers work with. */
export interface SchedulePorts {
  schedules: ScheduleStore;
  config: Pick<ScheduleConfig, 'defaultMinutes' | 'minIntervalMinutes'>;
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** A schedule row as the api shows it. */
export function toScheduleView(row: SyncScheduleRow | undefined): ScheduleView {
  if (!row || !row.enabled || row.next_run_at === null) return { enabled: false };
  return {
    enabled: true,
    intervalMinutes: row.interval_minutes,
    mode: row.mode,
    scope: row.scope,
    nextRunAt: iso(row.next_run_at)!,
    lastRunAt: iso(row.last_run_at),
    source: row.source,
  };
}

/** The user's schedule; with a deployment default, a connected user without a row gets theirs now. */
export async function getSchedule(ports: SchedulePorts, userId: string): Promise<ScheduleView> {
  let row = await ports.schedules.find(userId);
  if (!row && ports.config.defaultMinutes !== undefined && (await ports.schedules.applyDefault(userId, ports.config.defaultMinutes)) > 0) {
    row = await ports.schedules.find(userId);
  }
  return toScheduleView(row);
}

/** Sets the user's own schedule (it replaces the deployment default for them). */
export async function putSchedule(ports: SchedulePorts, userId: string, body: PutScheduleBody): Promise<ScheduleView> {
  return toScheduleView(await ports.schedules.put(userId, body));
}

/** Turns scheduled syncs off for the user, the deployment default included. */
export async function deleteSchedule(ports: SchedulePorts, userId: string): Promise<void> {
  await ports.schedules.disable(userId, ports.config.defaultMinutes ?? 1440);
}

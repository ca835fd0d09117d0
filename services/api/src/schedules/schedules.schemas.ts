import { z } from 'zod';
import { SyncMode, SyncScope } from '@canvas-sync/shared';
import { MAX_INTERVAL_MINUTES } from './schedule.config.js';

/**
 * `PUT /api/v1/schedule` (DESIGN.md): `intervalMinutes` from 15 (or the test override
 * `SCHEDULE_MIN_INTERVAL_MINUTES`) to 10080. Unknown fields are refused, like every body.
 */
export function putScheduleBody(minIntervalMinutes: number) {
  return z
    .object({
      intervalMinutes: z.number().int().min(minIntervalMinutes).max(MAX_INTERVAL_MINUTES),
      mode: SyncMode.default('incremental'),
      scope: SyncScope.default({ type: 'all' }),
    })
    .strict()
    .meta({ id: 'PutSchedule' });
}
export type PutScheduleBody = z.infer<ReturnType<typeof putScheduleBody>>;

/**
 * The schedule: `{enabled:false}` when none, else the interval, what a run syncs, and when.
 * `source` (additive) says whether the user set it or it is the deployment default.
 */
export const ScheduleView = z
  .union([
    z.object({
      enabled: z.literal(true),
      intervalMinutes: z.number().int(),
      mode: SyncMode,
      scope: SyncScope,
      nextRunAt: z.string(),
      lastRunAt: z.string().nullable(),
      source: z.enum(['user', 'default']),
    }),
    z.object({ enabled: z.literal(false) }),
  ])
  .meta({ id: 'Schedule' });
export type ScheduleView = z.infer<typeof ScheduleView>;

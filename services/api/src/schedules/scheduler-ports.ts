import type { Kysely } from 'kysely';
import type { Database } from '@canvas-sync/shared';
import { announceSync, type SyncPorts } from '../syncs/syncs.service.js';
import { acquireOrRenewLease, releaseLease } from './leader-lease.js';
import type { ScheduleConfig } from './schedule.config.js';
import { applyDefaultSchedule, claimDue, heldBackSchedules, pendingClaims, settleClaim } from './schedule-claims.js';
import type { Random } from './schedule-policy.js';
import type { SchedulerPorts } from './scheduler.js';

/** A schedule whose sync the broker refused is due again this much later. */
const BROKER_RETRY_MS = 60_000;

/** The scheduler's ports over Postgres and the api's own sync path. */
export function createSchedulerPorts(db: Kysely<Database>, syncPorts: SyncPorts, config: Pick<ScheduleConfig, 'maxActive' | 'fullEvery'>, random: Random = Math.random): SchedulerPorts {
  return {
    acquireOrRenew: (holder, leaseMs) => acquireOrRenewLease(db, holder, leaseMs),
    release: (holder) => releaseLease(db, holder),
    claim: (holder, excluded, limit) => claimDue(db, { holder, maxActive: config.maxActive, fullEvery: config.fullEvery, random }, excluded, limit),
    announce: (sync) => announceSync(syncPorts, sync),
    settle: (userId, syncId, announced) => settleClaim(db, userId, syncId, announced, BROKER_RETRY_MS),
    pending: () => pendingClaims(db),
    applyDefault: (defaultMinutes) => applyDefaultSchedule(db, defaultMinutes),
    heldBack: (excluded) => heldBackSchedules(db, excluded),
  };
}

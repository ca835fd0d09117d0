import type { Logger } from 'pino';
import type { SyncRow } from '@canvas-sync/shared';
import type { ClaimResult, HeldBack } from './schedule-claims.js';
import type { ScheduleConfig } from './schedule.config.js';
import { startDelayMs, type Random } from './schedule-policy.js';
import { noopSchedulerMetrics, type SchedulerMetrics } from './scheduler-metrics.js';

/** What the scheduler needs from Postgres (schedule-claims.ts, leader-lease.ts) and the sync path. */
export interface SchedulerPorts {
  acquireOrRenew(holder: string, leaseMs: number): Promise<boolean>;
  release(holder: string): Promise<void>;
  /** Claims up to `limit` due schedules and inserts their syncs (one transaction). */
  claim(holder: string, excluded: readonly string[], limit: number): Promise<ClaimResult>;
  /** `sync.requested`, metric, progress: `announceSync`, as for `POST /api/v1/syncs`. Throws when the broker refused. */
  announce(sync: SyncRow): Promise<void>;
  settle(userId: string, syncId: string, announced: boolean): Promise<void>;
  /** Claims a dead leader left unannounced (their sync when still queued). */
  pending(): Promise<Array<{ userId: string; syncId: string; sync: SyncRow | undefined }>>;
  applyDefault(defaultMinutes: number | undefined): Promise<number>;
  /** The due schedules no claim took, by why (for the metrics); `excluded` are not counted as runnable. */
  heldBack(excluded: readonly string[]): Promise<HeldBack>;
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  ports: SchedulerPorts;
  config: Pick<ScheduleConfig, 'defaultMinutes' | 'tickMs' | 'leaseMs' | 'startsPerSecond'>;
  logger: Logger;
  /** This replica's id in the lease row. */
  holder: string;
  random?: Random;
  metrics?: SchedulerMetrics;
}

/**
 * Runs on every api replica; only the one holding the lease starts syncs. Two loops: the lease loop
 * renews (or tries to take) the lease every third of its length; the tick loop, while leading,
 * finishes what a dead leader left pending, applies the deployment default, then starts due
 * schedules at most `SCHEDULE_STARTS_PER_SECOND` a second, each at a random moment of its second,
 * until nothing is due, the fleet cap is reached, or the lease is gone. Correctness does not rest on the timers:
 * each claim re-checks the lease inside its transaction.
 */
export class Scheduler {
  private leading = false;
  private stopped = false;
  private readonly wakers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private readonly random: Random;
  private readonly metrics: SchedulerMetrics;

  constructor(private readonly options: SchedulerOptions) {
    this.random = options.random ?? Math.random;
    this.metrics = options.metrics ?? noopSchedulerMetrics;
  }

  /** Whether this replica held the lease at its last renewal. */
  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loops = [this.leaseLoop(), this.tickLoop()];
  }

  /** Stops both loops and releases the lease (another replica takes over at its next attempt). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
    await Promise.all(this.loops);
    if (this.leading) {
      this.setLeading(false);
      await this.options.ports.release(this.options.holder).catch((err: unknown) => this.options.logger.warn({ err }, 'scheduler lease release failed'));
    }
  }

  private async leaseLoop(): Promise<void> {
    const { ports, holder, config, logger } = this.options;
    while (!this.stopped) {
      let leading = false;
      try {
        leading = await ports.acquireOrRenew(holder, config.leaseMs);
      } catch (err) {
        logger.warn({ err }, 'scheduler lease renewal failed');
      }
      if (leading !== this.leading) {
        this.setLeading(leading);
        logger.info({ holder }, leading ? 'scheduler leader' : 'scheduler lease lost');
        // A new leader ticks at once instead of waiting out the tick interval.
        if (leading) for (const wake of [...this.wakers]) wake();
      }
      await this.sleep(Math.max(100, Math.floor(config.leaseMs / 3)));
    }
  }

  private async tickLoop(): Promise<void> {
    while (!this.stopped) {
      if (this.leading) {
        try {
          await this.tick();
        } catch (err) {
          this.options.logger.error({ err }, 'scheduler tick failed');
        }
      }
      await this.sleep(this.options.config.tickMs);
    }
  }

  /**
   * One round as leader. Due schedules are claimed a second's worth at a time
   * (`SCHEDULE_STARTS_PER_SECOND`, fewer near the cap) and each claimed sync is announced at a random
   * moment within that second: a wave starts spread out, never all in the same instant. When a batch
   * fails on one user (a sync of theirs began meanwhile), the tick goes on one user at a time so
   * that user alone is left for the next tick.
   */
  async tick(): Promise<void> {
    const { ports, config, logger, holder } = this.options;
    for (const left of await ports.pending()) {
      if (left.sync) await this.announce(left.sync, 'recovered');
      else await ports.settle(left.userId, left.syncId, true);
    }
    await ports.applyDefault(config.defaultMinutes);
    const excluded: string[] = [];
    let batch = config.startsPerSecond;
    let started = 0;
    let atCap = false;
    while (!this.stopped && this.leading) {
      const secondEnds = Date.now() + 1000;
      const result = await ports.claim(holder, excluded, batch);
      if (result.kind === 'skipped') {
        if (result.userIds.length === 1) {
          logger.info({ err: result.err, userId: result.userIds[0] }, 'scheduled sync skipped until the next tick');
          excluded.push(result.userIds[0]!);
        }
        batch = 1;
        continue;
      }
      if (result.kind !== 'claimed') {
        if (result.kind === 'lost') this.setLeading(false);
        atCap = result.kind === 'full';
        break;
      }
      const outcomes = await Promise.all(result.syncs.map(async (sync) => {
        await this.sleep(startDelayMs(this.random));
        return this.announce(sync, 'due');
      }));
      started += outcomes.filter(Boolean).length;
      if (outcomes.includes(false)) break;
      await this.sleep(secondEnds - Date.now());
    }
    if (started > 0) logger.info({ started }, 'scheduled syncs started');
    if (this.leading) await this.countHeldBack(excluded, atCap);
  }

  /** Reports what this tick left due, by why; the cap only when the tick ended on it (else the next second would have taken them). */
  private async countHeldBack(excluded: readonly string[], atCap: boolean): Promise<void> {
    try {
      const held = await this.options.ports.heldBack(excluded);
      this.metrics.skipped('single_flight', held.singleFlight);
      this.metrics.skipped('reauth', held.reauth);
      if (atCap) this.metrics.skipped('cap', held.runnable);
    } catch (err) {
      // A metric, not the tick: its syncs are started already.
      this.options.logger.warn({ err }, 'scheduler could not count held-back schedules');
    }
  }

  /** The one place leadership changes, so the gauge never disagrees with it. */
  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.metrics.leading(leading);
  }

  /** Announces a claimed sync; false when the broker refused (the tick stops: NATS is down). */
  private async announce(sync: SyncRow, why: 'due' | 'recovered'): Promise<boolean> {
    const { ports, logger } = this.options;
    try {
      await ports.announce(sync);
      this.metrics.started();
      await ports.settle(sync.user_id, sync.id, true);
      logger.debug({ syncId: sync.id, why }, 'scheduled sync queued');
      return true;
    } catch (err) {
      logger.warn({ err, syncId: sync.id }, 'scheduled sync could not be announced; retried later');
      await ports.settle(sync.user_id, sync.id, false);
      return false;
    }
  }

  /** A timer that {@link stop} (and a new leadership) cut short. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}

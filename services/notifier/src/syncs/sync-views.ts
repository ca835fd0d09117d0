import { estimateEtaSeconds, toSyncView, type EtaHistory, type SyncProgress, type SyncRow, type SyncView } from '@canvas-sync/shared';
import type { SyncReader } from './syncs.repository.js';

const HISTORY_TTL_MS = 60_000;
const HISTORY_CACHE_MAX = 10_000;

/**
 * Snapshots and ETAs for the sockets. Many sockets of one user (tabs, or a reconnect storm after a
 * deploy) ask for the same sync at once, so concurrent reads of one (user, sync) share a query; ETA
 * history is cached briefly per user, since it only changes when a sync completes.
 */
export class SyncViews {
  private readonly inFlight = new Map<string, Promise<SyncRow | undefined>>();
  private readonly history = new Map<string, { at: number; value: EtaHistory | undefined }>();

  constructor(
    private readonly reader: SyncReader,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The user's sync as the snapshot shows it, or `undefined` when it is not theirs or not there. */
  async one(userId: string, syncId: string): Promise<SyncView | undefined> {
    const key = `${userId}\u0000${syncId}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.reader.findForUser(userId, syncId).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const row = await pending;
    return row ? this.view(userId, row) : undefined;
  }

  /** Snapshots of the user's active and recent syncs, newest first. */
  async all(userId: string): Promise<SyncView[]> {
    const rows = await this.reader.listForUser(userId);
    return Promise.all(rows.map((row) => this.view(userId, row)));
  }

  /**
   * The ETA to show with an event: the writer's (from this sync's own rate) when it has one; before
   * the first unit is done, one from the user's earlier syncs; `null` when there is no basis.
   */
  async etaFor(event: SyncProgress): Promise<number | null> {
    if (event.etaSeconds !== null || event.status !== 'running' || event.progress.done > 0 || event.progress.total <= 0) return event.etaSeconds;
    const row = { status: event.status, units_done: event.progress.done, units_total: event.progress.total, started_at: null, plan_ready: true };
    return estimateEtaSeconds(row, this.now(), await this.historyOf(event.userId));
  }

  private async view(userId: string, row: SyncRow): Promise<SyncView> {
    const now = this.now();
    const view = toSyncView(row, now);
    if (view.etaSeconds === null && row.status === 'running' && row.plan_ready && row.units_done === 0) {
      view.etaSeconds = estimateEtaSeconds(row, now, await this.historyOf(userId));
    }
    return view;
  }

  private async historyOf(userId: string): Promise<EtaHistory | undefined> {
    const cached = this.history.get(userId);
    const t = Date.now();
    if (cached && t - cached.at < HISTORY_TTL_MS) return cached.value;
    const value = await this.reader.etaHistory(userId);
    if (this.history.size >= HISTORY_CACHE_MAX) this.history.delete(this.history.keys().next().value!);
    this.history.set(userId, { at: t, value });
    return value;
  }
}

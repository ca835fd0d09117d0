import { isTerminal, type ProgressFrame, type SyncView } from './types.js';

/** An accepted change of one sync: the merged view and the one it replaced. */
export interface SyncChange {
  view: SyncView;
  previous: SyncView | undefined;
}

/**
 * The syncs a watch knows, merged from snapshots, progress frames and polls. `seq` rises per sync
 * (DESIGN.md, WebSocket), so anything older than what is held is dropped, and a repeat of it too:
 * across reconnects the same snapshot or frame may come twice, and a stale one never moves a bar back.
 */
export class SyncTracker {
  private readonly syncs = new Map<string, SyncView>();

  get(id: string): SyncView | undefined {
    return this.syncs.get(id);
  }

  /** All syncs held. */
  all(): SyncView[] {
    return [...this.syncs.values()];
  }

  /**
   * A full view (a snapshot or a GET). One with the same `seq` is taken only when it says more
   * (a GET after the end adds exact times, a dry run's `diff`); an identical repeat is dropped.
   */
  applyView(view: SyncView): SyncChange | undefined {
    const previous = this.syncs.get(view.id);
    if (previous && view.seq < previous.seq) return undefined;
    // Same seq: what the new view leaves out (a list item has no `diff`) is kept from the held one.
    const merged = previous && view.seq === previous.seq ? { ...previous, ...view } : view;
    if (previous && merged !== view && sameView(merged, previous)) return undefined;
    this.syncs.set(merged.id, merged);
    return { view: merged, previous };
  }

  /** A progress frame; `undefined` when it is stale, repeated, or of a sync not held yet (read it whole first). */
  applyFrame(frame: ProgressFrame, now: Date = new Date()): SyncChange | undefined {
    const previous = this.syncs.get(frame.syncId);
    if (!previous || frame.seq <= previous.seq) return undefined;
    const at = now.toISOString();
    const view: SyncView = {
      ...previous,
      seq: frame.seq,
      status: frame.status,
      phase: frame.phase,
      progress: frame.progress,
      etaSeconds: frame.etaSeconds,
      counts: frame.counts,
      message: frame.message,
      // Frames carry no timestamps: approximate until the view is read again.
      startedAt: previous.startedAt ?? (frame.status === 'queued' ? null : at),
      finishedAt: isTerminal(frame.status) ? (previous.finishedAt ?? at) : null,
    };
    if (frame.error) view.error = frame.error;
    else delete view.error;
    this.syncs.set(view.id, view);
    return { view, previous };
  }
}

function sameView(a: SyncView, b: SyncView): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

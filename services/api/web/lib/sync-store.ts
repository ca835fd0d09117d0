import { isTerminal, type ProgressFrame, type SyncView } from './types.js';

export type SyncListener = (view: SyncView, previous: SyncView | undefined) => void;

/**
 * The syncs the page knows, merged from snapshots, progress frames and polls. `seq` rises per
 * sync, so anything not newer than what is held is dropped: a stale frame never moves the bar back.
 */
export class SyncStore {
  private readonly syncs = new Map<string, SyncView>();
  private readonly listeners = new Set<SyncListener>();

  get(id: string): SyncView | undefined {
    return this.syncs.get(id);
  }

  onChange(listener: SyncListener): void {
    this.listeners.add(listener);
  }

  /** A full view (snapshot or GET): kept when at least as new (it may add `diff` or exact times). */
  applyView(view: SyncView): void {
    const previous = this.syncs.get(view.id);
    if (previous && view.seq < previous.seq) return;
    this.set(view, previous);
  }

  /** A progress frame; `false` when it was dropped or the sync is not known yet. */
  applyFrame(frame: ProgressFrame): boolean {
    const previous = this.syncs.get(frame.syncId);
    if (!previous || frame.seq <= previous.seq) return false;
    const now = new Date().toISOString();
    const next: SyncView = {
      ...previous,
      seq: frame.seq,
      status: frame.status,
      phase: frame.phase,
      progress: frame.progress,
      etaSeconds: frame.etaSeconds,
      counts: frame.counts,
      message: frame.message,
      // Frames carry no timestamps; the page approximates until it re-reads the sync.
      startedAt: previous.startedAt ?? (frame.status === 'queued' ? null : now),
      finishedAt: isTerminal(frame.status) ? (previous.finishedAt ?? now) : null,
    };
    if (frame.error) next.error = frame.error;
    else delete next.error;
    this.set(next, previous);
    return true;
  }

  private set(view: SyncView, previous: SyncView | undefined): void {
    this.syncs.set(view.id, view);
    for (const listener of this.listeners) listener(view, previous);
  }
}

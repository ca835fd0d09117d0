import type { SyncView } from './types.js';

export type SyncListener = (view: SyncView, previous: SyncView | undefined) => void;

/**
 * The syncs the page knows, as the client's watch and the page's own reads hand them over. `seq`
 * rises per sync, so an older view is dropped: a late GET never moves the bar back.
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

  private set(view: SyncView, previous: SyncView | undefined): void {
    this.syncs.set(view.id, view);
    for (const listener of this.listeners) listener(view, previous);
  }
}

import { SyncTracker, type SyncView } from '@canvas-sync/client';

export type SyncListener = (view: SyncView, previous: SyncView | undefined) => void;

/**
 * The syncs the page knows, from the live watch, answers of the api (start, cancel, resume, the
 * history) and re-reads. The client's {@link SyncTracker} keeps `seq` order: a stale view never
 * moves the bar back; listeners hear of every accepted change.
 */
export class SyncStore {
  private readonly tracker = new SyncTracker();
  private readonly listeners = new Set<SyncListener>();

  get(id: string): SyncView | undefined {
    return this.tracker.get(id);
  }

  onChange(listener: SyncListener): void {
    this.listeners.add(listener);
  }

  /** A full view: kept when at least as new (at the same seq it may add `diff` or exact times). */
  applyView(view: SyncView): void {
    const change = this.tracker.applyView(view);
    if (change) for (const listener of this.listeners) listener(change.view, change.previous);
  }
}

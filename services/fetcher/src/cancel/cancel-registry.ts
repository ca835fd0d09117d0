/**
 * Abort controllers of the syncs this process works on, so a cancel broadcast stops every
 * in-flight Canvas request of that sync at once. Work that starts after a cancel is stopped by
 * the status check that follows `track` (see WorkGuard), so nothing needs remembering here — and a
 * resumed sync (same id, next run) is not mistaken for the cancelled one.
 */
export class CancelRegistry {
  private readonly active = new Map<string, Set<AbortController>>();

  /** A controller for one piece of work on `syncId`; call `done` when the work ends. */
  track(syncId: string): { signal: AbortSignal; done(): void } {
    const controller = new AbortController();
    let set = this.active.get(syncId);
    if (!set) this.active.set(syncId, (set = new Set()));
    set.add(controller);
    return {
      signal: controller.signal,
      done: () => {
        set.delete(controller);
        if (set.size === 0) this.active.delete(syncId);
      },
    };
  }

  /** Aborts all work on `syncId` running in this process now. */
  cancel(syncId: string): void {
    for (const c of this.active.get(syncId) ?? []) c.abort(new Error('sync cancelled'));
  }
}

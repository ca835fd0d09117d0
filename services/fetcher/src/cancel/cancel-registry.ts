/**
 * Abort controllers of the syncs this process works on, so a cancel broadcast stops every
 * in-flight Canvas request of that sync at once.
 */
export class CancelRegistry {
  private readonly active = new Map<string, Set<AbortController>>();
  private readonly cancelled = new Map<string, number>();

  /** A controller for one piece of work on `syncId`; call `done` when the work ends. */
  track(syncId: string): { signal: AbortSignal; done(): void } {
    const controller = new AbortController();
    if (this.cancelled.has(syncId)) controller.abort(new Error('sync cancelled'));
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

  /** Aborts all work on `syncId` and remembers it for a while (a unit may start just after). */
  cancel(syncId: string): void {
    this.cancelled.set(syncId, Date.now());
    for (const c of this.active.get(syncId) ?? []) c.abort(new Error('sync cancelled'));
    const cutoff = Date.now() - 10 * 60_000;
    for (const [id, at] of this.cancelled) if (at < cutoff) this.cancelled.delete(id);
  }

  /** A resumed sync may run again here. */
  forget(syncId: string): void {
    this.cancelled.delete(syncId);
  }
}

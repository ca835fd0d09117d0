/**
 * Abort controllers of the syncs this process works on, so a cancel broadcast stops every
 * in-flight Canvas request of that sync at once. Work that starts after a cancel is stopped by
 * the status check that follows `track` (see WorkGuard), so nothing needs remembering here — and a
 * resumed sync (same id, next run) is not mistaken for the cancelled one.
 */
export class CancelRegistry {
  private readonly active = new Map<string, Set<{ controller: AbortController; run: number }>>();

  /** A controller for one piece of work on `syncId`'s run `run`; call `done` when the work ends. */
  track(syncId: string, run: number): { signal: AbortSignal; done(): void } {
    const entry = { controller: new AbortController(), run };
    let set = this.active.get(syncId);
    if (!set) this.active.set(syncId, (set = new Set()));
    set.add(entry);
    return {
      signal: entry.controller.signal,
      done: () => {
        set.delete(entry);
        if (set.size === 0) this.active.delete(syncId);
      },
    };
  }

  /**
   * Aborts the work on `syncId` running in this process now: all of it (a cancel), or one run's (that
   * run failed). A failed run's last request can come back after a resume has started the next run,
   * whose work must go on.
   */
  cancel(syncId: string, run?: number): void {
    for (const { controller, run: r } of this.active.get(syncId) ?? []) if (run === undefined || r === run) controller.abort(new Error('sync cancelled'));
  }
}

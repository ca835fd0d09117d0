/** A taken slot; `release` is idempotent. */
export interface UserSlot {
  release(): void;
}

/**
 * The line: how many units may wait for a slot of their user instead of being put back. One per
 * user at most, `maxWaiting` in all, each for at most `maxWaitMs`.
 */
export interface SlotLine {
  maxWaiting: number;
  maxWaitMs: number;
}

/**
 * Units in progress per user in this process. A user at the cap gets their next unit put back
 * (nak with {@link fairShareDelay}) so other users' units run meanwhile: a teacher's 50 units
 * cannot fill every slot while a student waits (DESIGN.md, "Fair"). One unit per user may instead
 * wait in line ({@link waitInLine}) and start the moment one of the user's slots frees: put back,
 * it came back 0.06–0.7 s after that (the nak's delay is random), while the user's token had room.
 */
export class UserSlots {
  private readonly inUse = new Map<string, number>();
  private readonly waiters = new Map<string, Array<() => void>>();
  /** Users with a unit waiting in line. */
  private readonly inLine = new Set<string>();
  private closed = false;

  constructor(
    private readonly perUser: number,
    private readonly line: SlotLine = { maxWaiting: 0, maxWaitMs: 0 },
  ) {}

  tryTake(userId: string): UserSlot | undefined {
    const used = this.inUse.get(userId) ?? 0;
    if (used >= this.perUser) return undefined;
    this.inUse.set(userId, used + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const now = (this.inUse.get(userId) ?? 1) - 1;
        if (now <= 0) this.inUse.delete(userId);
        else this.inUse.set(userId, now);
        const waiting = this.waiters.get(userId);
        this.waiters.delete(userId);
        for (const wake of waiting ?? []) wake();
      },
    };
  }

  /** Waits for a slot of the user (for a unit that must not be put back again). */
  async take(userId: string): Promise<UserSlot> {
    for (;;) {
      const slot = this.tryTake(userId);
      if (slot) return slot;
      await this.released(userId);
    }
  }

  /**
   * A slot of the user once one frees, for the one unit of theirs that may wait in line; or
   * `undefined` at once when the line is full (another unit of the user waits, or `maxWaiting` units
   * do) or closed, and after `maxWaitMs` or a {@link close}: the unit is then put back.
   */
  async waitInLine(userId: string): Promise<UserSlot | undefined> {
    if (this.closed || this.inLine.has(userId) || this.inLine.size >= this.line.maxWaiting) return undefined;
    this.inLine.add(userId);
    const until = Date.now() + this.line.maxWaitMs;
    try {
      for (;;) {
        const slot = this.tryTake(userId);
        if (slot || this.closed || Date.now() >= until) return slot;
        await this.released(userId, until - Date.now());
      }
    } finally {
      this.inLine.delete(userId);
    }
  }

  /** Stops the line (shutdown): waiting units are put back, not started; later ones are put back at once. */
  close(): void {
    this.closed = true;
    const all = [...this.waiters.values()].flat();
    this.waiters.clear();
    for (const wake of all) wake();
  }

  /** Resolves when a slot of the user is released, on {@link close}, or after `ms`. */
  private released(userId: string, ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const list = this.waiters.get(userId) ?? [];
      this.waiters.set(userId, list);
      const timer = ms === undefined ? undefined : setTimeout(() => {
        const i = list.indexOf(wake);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0 && this.waiters.get(userId) === list) this.waiters.delete(userId);
        resolve();
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      list.push(wake);
    });
  }
}

/**
 * How long a unit put back for fairness stays away: short, so the user's next unit is at hand
 * when one of their slots frees, and jittered, so the user's put-back units come back spread out
 * instead of in one burst. (A fixed back-off growing to 5 s brought all of a large sync's units
 * back together every 5 s: two units per 5 s, whatever the capacity; bench "memory".)
 */
export function fairShareDelay(deliveryCount: number, random: () => number = Math.random): number {
  return Math.round(200 + random() * Math.min(2_000, 100 * deliveryCount));
}

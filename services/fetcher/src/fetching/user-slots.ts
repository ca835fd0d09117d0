/** A taken slot; `release` is idempotent. */
export interface UserSlot {
  release(): void;
}

/**
 * The line: units that wait for a slot of their user instead of being put back. It only uses
 * slots the fetcher has spare: `capacity` is the consumer's (units it holds at once, running or
 * waiting), and a unit waits at most `maxWaitMs`.
 */
export interface SlotLine {
  capacity: number;
  maxWaitMs: number;
}

/**
 * Units in progress per user in this process. A user at the cap gets their next unit put back
 * (nak with {@link fairShareDelay}) so other users' units run meanwhile: a teacher's 50 units
 * cannot fill every slot while a student waits (DESIGN.md, "Fair"). One unit per user may instead
 * wait in line ({@link waitInLine}) and start the moment one of the user's slots frees: put back,
 * it came back 0.06–0.7 s after that (the nak's delay is random) while the user's token had room.
 */
export class UserSlots {
  private readonly inUse = new Map<string, number>();
  private running = 0;
  /** Last deliveries waiting for a slot of their user ({@link take}). */
  private readonly waiters = new Map<string, Array<() => void>>();
  /** The unit of each user waiting in line: called with `true` when a slot of the user frees, `false` to send it back. */
  private readonly line = new Map<string, (slotFreed: boolean) => void>();
  private closed = false;

  constructor(
    private readonly perUser: number,
    private readonly lineLimits: SlotLine = { capacity: 0, maxWaitMs: 0 },
  ) {}

  tryTake(userId: string): UserSlot | undefined {
    const used = this.inUse.get(userId) ?? 0;
    if (used >= this.perUser) return undefined;
    this.inUse.set(userId, used + 1);
    this.running += 1;
    // Every slot of the fetcher is taken: units in line go back, so that the next unit pulled (the
    // stream's next, often another user's) finds a slot instead of waiting behind an idle one.
    if (this.running + this.line.size >= this.lineLimits.capacity) this.sendLineBack();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.running -= 1;
        const now = (this.inUse.get(userId) ?? 1) - 1;
        if (now <= 0) this.inUse.delete(userId);
        else this.inUse.set(userId, now);
        const waiting = this.waiters.get(userId);
        this.waiters.delete(userId);
        for (const wake of waiting ?? []) wake();
        this.line.get(userId)?.(true);
      },
    };
  }

  /** Waits for a slot of the user (for a unit that must not be put back again). */
  async take(userId: string): Promise<UserSlot> {
    for (;;) {
      const slot = this.tryTake(userId);
      if (slot) return slot;
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(userId) ?? [];
        list.push(resolve);
        this.waiters.set(userId, list);
      });
    }
  }

  /**
   * A slot of the user as soon as one frees, for the one unit of theirs that may wait in line; or
   * `undefined` — the unit is put back — when another unit of the user is in line, when waiting
   * would take the fetcher's last free slot, when the line is closed, and later when the fetcher's
   * slots fill up, after `maxWaitMs`, or on {@link close}.
   */
  async waitInLine(userId: string): Promise<UserSlot | undefined> {
    if (this.closed || this.line.has(userId) || this.running + this.line.size + 1 >= this.lineLimits.capacity) return undefined;
    const slotFreed = await new Promise<boolean>((resolve) => {
      const leave = (freed: boolean) => {
        clearTimeout(timer);
        if (this.line.get(userId) === leave) this.line.delete(userId);
        resolve(freed);
      };
      const timer = setTimeout(() => leave(false), this.lineLimits.maxWaitMs);
      this.line.set(userId, leave);
    });
    // Another waiter (a last delivery) may have got the freed slot first: then this unit goes back.
    return slotFreed ? this.tryTake(userId) : undefined;
  }

  /** Closes the line (the fetcher stops): units in it are put back, not started; later ones are put back at once. */
  close(): void {
    this.closed = true;
    this.sendLineBack();
  }

  private sendLineBack(): void {
    for (const leave of [...this.line.values()]) leave(false);
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

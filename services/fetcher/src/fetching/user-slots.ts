/** A taken slot; `release` is idempotent. */
export interface UserSlot {
  release(): void;
}

/**
 * Units in progress per user in this process. A user at the cap gets their next unit put back
 * (nak with {@link fairShareDelay}) so other users' units run meanwhile: a teacher's 50 units
 * cannot fill every slot while a student waits (DESIGN.md, "Fair").
 */
export class UserSlots {
  private readonly inUse = new Map<string, number>();
  private readonly waiters = new Map<string, Array<() => void>>();

  constructor(private readonly perUser: number) {}

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
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(userId) ?? [];
        list.push(resolve);
        this.waiters.set(userId, list);
      });
    }
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

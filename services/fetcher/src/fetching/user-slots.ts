/**
 * Units in progress per user in this process. A user at the cap gets their next unit put back
 * (nak with a delay) so other users' units run meanwhile: a teacher's 50 units cannot fill every
 * slot while a student waits (DESIGN.md, "Fair").
 */
export class UserSlots {
  private readonly inUse = new Map<string, number>();

  constructor(private readonly perUser: number) {}

  tryTake(userId: string): { release(): void } | undefined {
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
      },
    };
  }
}

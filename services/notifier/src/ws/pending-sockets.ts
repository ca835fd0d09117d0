/**
 * Sockets that have not authenticated yet, counted per client IP. Until its `auth` frame is checked
 * a socket costs memory and a timer but proves nothing; without a cap one address could hold
 * thousands open for the auth deadline each, again and again.
 */
export class PendingSockets {
  private readonly byIp = new Map<string, number>();

  constructor(private readonly maxPerIp: number) {}

  /** True while `ip` has no free slot (a cheap check before the upgrade). */
  isFull(ip: string): boolean {
    return (this.byIp.get(ip) ?? 0) >= this.maxPerIp;
  }

  /** Takes a slot for `ip`; false when it has none left. */
  acquire(ip: string): boolean {
    const count = this.byIp.get(ip) ?? 0;
    if (count >= this.maxPerIp) return false;
    this.byIp.set(ip, count + 1);
    return true;
  }

  /** Gives a slot back (the socket authenticated or closed). */
  release(ip: string): void {
    const count = this.byIp.get(ip) ?? 0;
    // Forget the address at zero: the map holds only addresses with sockets in the auth phase.
    if (count <= 1) this.byIp.delete(ip);
    else this.byIp.set(ip, count - 1);
  }

  /** Addresses with sockets in the auth phase (for tests and metrics). */
  get size(): number {
    return this.byIp.size;
  }
}

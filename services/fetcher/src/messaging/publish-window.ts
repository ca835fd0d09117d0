/**
 * Publishes handed to JetStream without waiting for each one's ack before sending the next, at
 * most `limit` unacknowledged at once; {@link PublishWindow.settled} waits for them all and throws
 * the first failure. For messages whose consumers do not depend on the order they are stored in:
 * each ack is a broker round trip (1–10 ms, more on a busy machine), and a planning that awaited
 * them one by one spent 3 + units of them before its first fetch unit could be fetched
 * (docs/performance.md, "Where the wall time goes at simulator latency").
 */
export class PublishWindow {
  private pending: Array<Promise<void>> = [];

  constructor(private readonly limit = 256) {}

  /** Adds a publish in progress; waits only when `limit` are unacknowledged. */
  async add(publishing: Promise<unknown>): Promise<void> {
    const p = publishing.then(() => undefined);
    // Its failure is thrown by `settled()`; until then it must not count as an unhandled rejection.
    p.catch(() => undefined);
    this.pending.push(p);
    if (this.pending.length >= this.limit) await this.settled();
  }

  /** Waits for every publish added so far; throws the first failure. */
  async settled(): Promise<void> {
    await Promise.all(this.pending.splice(0));
  }
}

/**
 * The answer bytes one fetcher process holds while reading Canvas bodies, bounded process-wide
 * (`CANVAS_MAX_RESPONSE_BYTES_IN_FLIGHT`). Each answer is already bounded on its own
 * (`CANVAS_MAX_RESPONSE_BYTES`), but a hostile server sending huge bodies to many requests at once
 * multiplies that by every request in flight (docs/security.md). Readers reserve bytes as chunks
 * arrive and give them all back when the body ends, however it ends. A reservation past the bound
 * is refused at once — never waited for — so readers holding partial bodies cannot deadlock.
 */
export class AnswerBytes {
  private held = 0;
  private highest = 0;

  constructor(readonly limit: number) {
    if (!(limit > 0)) throw new RangeError(`AnswerBytes needs a positive limit, got ${limit}`);
  }

  /** Takes `bytes` from the account; false (and nothing taken) when that would pass the bound. */
  tryReserve(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    if (this.held > this.highest) this.highest = this.held;
    return true;
  }

  /** Gives back `bytes` taken by {@link tryReserve}. */
  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }

  /** Bytes reserved right now. */
  get inUse(): number {
    return this.held;
  }

  /** The most bytes ever reserved at once (for tests and diagnostics). */
  get peak(): number {
    return this.highest;
  }
}

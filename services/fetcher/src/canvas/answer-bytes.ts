/**
 * The answer bytes one fetcher process holds while reading Canvas bodies, bounded process-wide
 * (`CANVAS_MAX_RESPONSE_BYTES_IN_FLIGHT`) and per access token (`share`). Each answer is already
 * bounded on its own (`CANVAS_MAX_RESPONSE_BYTES`), but a hostile server sending huge bodies to
 * many requests at once multiplies that by every request in flight (docs/security.md); the share
 * keeps one token — one user, whose server may be the hostile one — from taking the room of every
 * other user of the process. Readers reserve bytes as chunks arrive and give them all back when
 * the body ends, however it ends. A reservation past either bound is refused at once — never
 * waited for — so readers holding partial bodies cannot deadlock.
 */
export class AnswerBytes {
  private held = 0;
  private highest = 0;
  private readonly byOwner = new Map<string, number>();

  /**
   * @param limit bytes the process may hold at once.
   * @param share bytes one owner (an access token's fingerprint) may hold at once; at most `limit`.
   */
  constructor(
    readonly limit: number,
    readonly share: number = limit,
  ) {
    if (!(limit > 0)) throw new RangeError(`AnswerBytes needs a positive limit, got ${limit}`);
    if (!(share > 0 && share <= limit)) throw new RangeError(`AnswerBytes needs a share in (0, ${limit}], got ${share}`);
  }

  /**
   * Takes `bytes` for `owner`; `'process'` when the process holds `limit` (nothing taken), `'share'`
   * when the owner holds its `share`, undefined when taken.
   */
  tryReserve(bytes: number, owner = ''): 'process' | 'share' | undefined {
    const mine = this.byOwner.get(owner) ?? 0;
    if (this.held + bytes > this.limit) return 'process';
    if (mine + bytes > this.share) return 'share';
    this.held += bytes;
    this.byOwner.set(owner, mine + bytes);
    if (this.held > this.highest) this.highest = this.held;
    return undefined;
  }

  /** Gives back `bytes` that `owner` took with {@link tryReserve}. */
  release(bytes: number, owner = ''): void {
    this.held = Math.max(0, this.held - bytes);
    const left = (this.byOwner.get(owner) ?? 0) - bytes;
    if (left > 0) this.byOwner.set(owner, left);
    else this.byOwner.delete(owner);
  }

  /** Bytes reserved right now. */
  get inUse(): number {
    return this.held;
  }

  /** Bytes `owner` holds right now. */
  heldBy(owner = ''): number {
    return this.byOwner.get(owner) ?? 0;
  }

  /** The most bytes ever reserved at once (for tests and diagnostics). */
  get peak(): number {
    return this.highest;
  }
}

/**
 * A token's share of the process's answer bytes: a quarter of them, and never less than one
 * answer at its own limit (so any answer a token may get can be read while it holds nothing else).
 * A quarter: one hostile token leaves three quarters to every other user, while a real account
 * (at most `CANVAS_MAX_IN_FLIGHT` answers at once, each far below the 16 MiB an answer may be)
 * never comes near the default's 32 MiB.
 */
export function tokenShare(maxResponseBytesInFlight: number, maxResponseBytes: number): number {
  return Math.min(maxResponseBytesInFlight, Math.max(maxResponseBytes, Math.floor(maxResponseBytesInFlight / 4)));
}

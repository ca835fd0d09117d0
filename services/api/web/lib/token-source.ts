/** What the host app gives the panel: a function answering a fresh user JWT (DESIGN.md "Embedding"). */
export type TokenProvider = () => Promise<string> | string;

/** The `exp` of a JWT in ms, or `null` when it has none or is not a JWT (the server decides anyway). */
export function expiryOf(token: string): number | null {
  try {
    const part = token.split('.')[1];
    if (!part) return null;
    const payload = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** The `sub` of a JWT, for display only (the server verifies it). */
export function subjectOf(token: string): string | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : null;
  } catch {
    return null;
  }
}

/**
 * The user's token as the panel uses it: asked of the host at start, again when the one held is
 * within `marginMs` of its `exp` (so a request never leaves with a token about to die), and on
 * demand after a 401 / 4401. Concurrent askers share one call to the provider.
 */
export class TokenSource {
  private token: string | null = null;
  private obtainedAt = 0;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly provider: TokenProvider,
    private readonly marginMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The held token unless it is missing or about to expire; then a fresh one. */
  async get(): Promise<string> {
    if (this.token !== null && !this.expiresSoon(this.token)) return this.token;
    return this.refresh();
  }

  /** A fresh token from the provider, whatever is held (after the server refused it). */
  refresh(): Promise<string> {
    this.pending ??= (async () => {
      try {
        const token = await this.provider();
        if (typeof token !== 'string' || token.trim() === '') throw new Error('tokenProvider answered no token');
        this.token = token.trim();
        this.obtainedAt = this.now();
        return this.token;
      } finally {
        this.pending = null;
      }
    })();
    return this.pending;
  }

  /** When the held token should be replaced (its `exp` less the margin); `null` without one. */
  renewAt(): number | null {
    const exp = this.token === null ? null : expiryOf(this.token);
    return exp === null ? null : exp - this.margin(exp);
  }

  private expiresSoon(token: string): boolean {
    const exp = expiryOf(token);
    return exp !== null && exp - this.margin(exp) <= this.now();
  }

  /** At most a quarter of the token's life: a very short-lived token must not be "about to expire" at once. */
  private margin(exp: number): number {
    return Math.min(this.marginMs, Math.max(0, (exp - this.obtainedAt) / 4));
  }
}

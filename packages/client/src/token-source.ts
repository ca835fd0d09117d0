import { CanvasSyncError } from './errors.js';

/** Hands out the user's JWT (the host app mints it); called at start, before it expires, and after a refusal. */
export type TokenProvider = () => string | Promise<string>;

/** Default time before `exp` at which a new token is asked for. */
export const DEFAULT_REFRESH_MARGIN_MS = 30_000;

/**
 * The `exp` of a JWT in epoch milliseconds, read without verifying anything (the servers verify);
 * `undefined` when the token is not a JWT or has no numeric `exp`.
 */
export function jwtExpiresAt(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const json = JSON.parse(new TextDecoder().decode(bytes)) as { exp?: unknown };
    return typeof json.exp === 'number' && Number.isFinite(json.exp) ? json.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export interface TokenSourceOptions {
  refreshMarginMs?: number;
  now?: () => number;
}

/**
 * The current token, from a {@link TokenProvider}. A token is reused until `refreshAt` — a margin
 * before its `exp`, at most half its remaining life when fetched, so a 60 s token with a 30 s margin
 * still gets 30 s of use and a token shorter than the margin is not re-asked in a loop. Concurrent
 * callers share one call of the provider.
 */
export class TokenSource {
  private token: string | undefined;
  private refreshAt = Number.POSITIVE_INFINITY;
  private expiresAt: number | undefined;
  private inflight: Promise<string> | undefined;
  private readonly margin: number;
  private readonly now: () => number;

  constructor(
    private readonly provider: TokenProvider,
    options: TokenSourceOptions = {},
  ) {
    this.margin = Math.max(0, options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS);
    this.now = options.now ?? Date.now;
  }

  /** A token that is not due for refresh (asks the provider when there is none or it is due). */
  get(): Promise<string> {
    if (this.token !== undefined && this.now() < this.refreshAt) return Promise.resolve(this.token);
    return this.fetch();
  }

  /**
   * A new token, whatever the cached one's `exp` says: after a 401 or a 4401, or to renew a socket.
   * `rejected` is the token that was refused (or is being renewed); when another caller already
   * replaced it, that newer token is returned.
   */
  refresh(rejected?: string): Promise<string> {
    if (this.inflight) return this.inflight;
    if (rejected !== undefined && this.token !== undefined && this.token !== rejected && this.now() < this.refreshAt) return Promise.resolve(this.token);
    return this.fetch();
  }

  /**
   * When `token` (by default the current one) should be replaced (epoch ms); `undefined` when no
   * expiry is known. A token this source has already replaced with a newer one is due now.
   */
  dueAt(token?: string): number | undefined {
    if (token !== undefined && token !== this.token) return this.now();
    return Number.isFinite(this.refreshAt) ? this.refreshAt : undefined;
  }

  /** The current token's `exp` (epoch ms), if known. */
  expiry(): number | undefined {
    return this.expiresAt;
  }

  private fetch(): Promise<string> {
    if (this.inflight) return this.inflight;
    const call = (async () => {
      let token: unknown;
      try {
        token = await this.provider();
      } catch (cause) {
        throw new CanvasSyncError(0, 'unauthenticated', 'The token provider failed.', {}, { cause });
      }
      if (typeof token !== 'string' || token.length === 0) throw new CanvasSyncError(0, 'unauthenticated', 'The token provider gave no token.');
      const fetchedAt = this.now();
      const exp = jwtExpiresAt(token);
      this.token = token;
      this.expiresAt = exp;
      this.refreshAt = exp === undefined ? Number.POSITIVE_INFINITY : exp - Math.min(this.margin, Math.max(0, (exp - fetchedAt) / 2));
      return token;
    })();
    this.inflight = call;
    const clear = () => {
      if (this.inflight === call) this.inflight = undefined;
    };
    call.then(clear, clear);
    return call;
  }
}

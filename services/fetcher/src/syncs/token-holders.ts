import { refreshMarginMs, type AppError, type ConnectionToken, type RenewRequest } from '@canvas-sync/shared';
import { tokenFingerprint, type Credential, type SessionAuth } from '../canvas/canvas-session.js';

/** Renewal across replicas (`renewConnectionToken` bound to the DB and the OAuth client). */
export type RenewToken = (request: RenewRequest) => Promise<ConnectionToken>;
/** Marks the connection `reauth_required` when Canvas rejects a renewed token (`refuseConnectionToken`). */
export type RefuseToken = (connectionId: string, version: number) => Promise<AppError>;

/**
 * The OAuth access token of one connection in this process, shared by every session (unit) of that
 * connection here: once one of them renews, the others send the new token at once instead of each
 * being rejected by Canvas (which keeps one access token per grant) and renewing on its own.
 * Renewals are single-flight here and locked per connection in Postgres across replicas.
 */
export class ConnectionTokenHolder implements SessionAuth {
  private credential: Credential;
  private renewAt = Number.POSITIVE_INFINITY;
  private expiresAt = Number.POSITIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(
    readonly connectionId: string,
    readonly userId: string,
    token: ConnectionToken,
    private readonly renew: RenewToken,
    private readonly refuse: RefuseToken,
    private readonly now: () => number,
  ) {
    this.credential = { token: token.accessToken, tokenKey: tokenFingerprint(token.accessToken), version: token.version };
    this.adopt(token);
  }

  get version(): number {
    return this.credential.version;
  }

  async current(): Promise<Credential> {
    if (this.now() < this.renewAt) return this.credential;
    try {
      await this.renewFrom(this.credential.version);
    } catch (err) {
      // Canvas's token endpoint is slow or down, but the token has not died yet: keep using it; the
      // next request tries again. A refused grant (not retryable) goes up at once.
      if (!(err as AppError).retryable || this.now() >= this.expiresAt) throw err;
    }
    return this.credential;
  }

  usable(credential: Credential): boolean {
    return credential.version === this.credential.version && this.now() < this.expiresAt;
  }

  async rejected(version: number): Promise<void> {
    // Another session here renewed while this request was out: its token is the answer.
    if (version !== this.credential.version) return;
    await this.renewFrom(version);
  }

  refused(version: number): Promise<AppError> {
    return this.refuse(this.connectionId, version);
  }

  /**
   * A token read from the database at a session's start: newer than ours when another replica
   * renewed or the user reconnected (versions only rise). An older read lost a race with our own
   * renewal and is ignored; if versions were ever reset, the next rejection finds the stored token.
   */
  update(token: ConnectionToken): void {
    if (this.inflight) return;
    if (token.version > this.credential.version || (token.version === this.credential.version && token.accessToken !== this.credential.token)) this.adopt(token);
  }

  private renewFrom(version: number): Promise<void> {
    this.inflight ??= this.renew({ connectionId: this.connectionId, userId: this.userId, knownVersion: version })
      .then((token) => this.adopt(token))
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private adopt(token: ConnectionToken): void {
    if (token.accessToken !== this.credential.token) this.credential = { token: token.accessToken, tokenKey: tokenFingerprint(token.accessToken), version: token.version };
    else this.credential = { ...this.credential, version: token.version };
    if (token.expiresAt === null) {
      this.renewAt = this.expiresAt = Number.POSITIVE_INFINITY;
      return;
    }
    this.expiresAt = token.expiresAt.getTime();
    // The lifetime is known when this process refreshed; for a token another replica stored, what is
    // left of it now is a lower bound (so the margin errs early, never late).
    const lifetime = token.lifetimeMs ?? this.expiresAt - this.now();
    this.renewAt = this.expiresAt - refreshMarginMs(lifetime);
  }
}

/**
 * The holders of this process, one per OAuth connection, bounded (least recently used goes first:
 * a holder is only a cache; a session that finds none reads the database).
 */
export class TokenHolders {
  private readonly holders = new Map<string, ConnectionTokenHolder>();

  constructor(
    private readonly renew: RenewToken,
    private readonly refuse: RefuseToken,
    private readonly options: { maxHolders?: number; now?: () => number } = {},
  ) {}

  /** The shared holder for a connection whose token a session just read from the database. */
  holderFor(token: ConnectionToken): ConnectionTokenHolder {
    const existing = this.holders.get(token.connectionId);
    this.holders.delete(token.connectionId);
    let holder: ConnectionTokenHolder;
    if (existing && existing.userId === token.userId) {
      existing.update(token);
      holder = existing;
    } else {
      holder = new ConnectionTokenHolder(token.connectionId, token.userId, token, this.renew, this.refuse, this.options.now ?? Date.now);
    }
    this.holders.set(token.connectionId, holder);
    const max = this.options.maxHolders ?? 1_000;
    for (const oldest of this.holders.keys()) {
      if (this.holders.size <= max) break;
      this.holders.delete(oldest);
    }
    return holder;
  }
}

import { createHash } from 'node:crypto';
import type { AppError } from '@canvas-sync/shared';
import type { WorkBudget } from './walk-limits.js';

/** What one request sends: the token, its budget key, and its `token_version` (0 for personal tokens). */
export interface Credential {
  token: string;
  /** A fingerprint of the token: the rate-budget key (Canvas's bucket is per access token). */
  tokenKey: string;
  version: number;
}

/**
 * How an OAuth session keeps its access token usable (see syncs/token-holders.ts). Personal
 * tokens have none: Canvas rejecting one ends the sync as before.
 */
export interface SessionAuth {
  /** The credential to send now; renewed first when it is near expiry (only then is the DB read). */
  current(): Promise<Credential>;
  /**
   * False once `credential` was replaced by a renewal or has expired: a request that waited for
   * its budget slot longer than the token lived renews instead of sending a dead token.
   */
  usable(credential: Credential): boolean;
  /** Canvas rejected `version` (401 + WWW-Authenticate): renews it, or adopts a newer one another worker stored. */
  rejected(version: number): Promise<void>;
  /** Canvas rejected `version` again after a renewal: marks the connection for a reconnect; the error to fail with. */
  refused(version: number): Promise<AppError>;
}

/** One user's way into Canvas for the length of a unit of work. The token never leaves this object. */
export interface CanvasSession {
  /** `https://canvas.example.edu` — origin only; every URL we follow must keep it. */
  origin: string;
  token: string;
  /** A fingerprint of the token: the rate-budget key, safe to log and to put in NATS KV. */
  tokenKey: string;
  /** Set for OAuth connections: the token is renewed before expiry and once after a rejection. */
  auth?: SessionAuth;
  signal?: AbortSignal;
  /** The piece of work's share of its sync's limits on pages and rows; every walk charges it. */
  budget?: WorkBudget;
  /** Called when rows without a usable id were left out of `path` (reported as a warning on the sync). */
  onRowsSkipped?: (path: string, count: number) => void;
  /** Called when the circuit to Canvas opens (true) and when Canvas answers again (false). */
  onCanvasWait?: (waiting: boolean) => void;
}

/** A non-reversible fingerprint of a token. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 32);
}

/** Builds a session; `baseUrl` is reduced to its origin. */
export function createSession(baseUrl: string, token: string, extra: Pick<CanvasSession, 'signal' | 'onCanvasWait' | 'budget' | 'onRowsSkipped' | 'auth'> = {}): CanvasSession {
  return { origin: new URL(baseUrl).origin, token, tokenKey: tokenFingerprint(token), ...extra };
}

/** The credential for the next request: the session's own token, or the OAuth one, renewed when due. */
export async function credentialOf(session: CanvasSession): Promise<Credential> {
  return session.auth ? session.auth.current() : { token: session.token, tokenKey: session.tokenKey, version: 0 };
}

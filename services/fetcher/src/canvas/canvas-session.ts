import { createHash } from 'node:crypto';
import type { WorkBudget } from './walk-limits.js';

/** One user's way into Canvas for the length of a unit of work. The token never leaves this object. */
export interface CanvasSession {
  /** `https://canvas.example.edu` — origin only; every URL we follow must keep it. */
  origin: string;
  token: string;
  /** A fingerprint of the token: the rate-budget key, safe to log and to put in NATS KV. */
  tokenKey: string;
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
export function createSession(baseUrl: string, token: string, extra: Pick<CanvasSession, 'signal' | 'onCanvasWait' | 'budget' | 'onRowsSkipped'> = {}): CanvasSession {
  return { origin: new URL(baseUrl).origin, token, tokenKey: tokenFingerprint(token), ...extra };
}

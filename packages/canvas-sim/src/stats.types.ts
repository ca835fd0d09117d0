import type { SimOAuthStats } from './oauth.types.js';

export interface SimTokenStats {
  userId: number | null;
  requests: number;
  throttled: number;
  inFlight: number;
  peakInFlight: number;
  /** Bucket level now (after leaking). */
  bucketLevel: number;
}

export interface SimBucketSample {
  /** ms since the epoch */
  at: number;
  userId: number | null;
  level: number;
}

export interface SimStats {
  since: string;
  requests: number;
  throttled: number;
  /** "GET /api/v1/courses/:id/assignments" → count (control routes excluded). */
  byEndpoint: Record<string, number>;
  /** "200" → count */
  byStatus: Record<string, number>;
  peakInFlight: number;
  /** keyed by the token string (or "ip:…" for requests without one) */
  byToken: Record<string, SimTokenStats>;
  /** Bucket level after each request; the newest 5,000 are kept. */
  bucketSamples: SimBucketSample[];
  /** "serverError" | "hang" | "slow" | "malformed" | "outage" | "revoked" | "forbidden" | "notFound" → count */
  faults: Record<string, number>;
  content: { cachedCourses: number; pinnedCourses: number };
  /** Grants, refreshes, revocations, consents and refused OAuth tokens (see README "OAuth2"). */
  oauth: SimOAuthStats;
  hostile: SimHostileStats;
}

/** What hostile users were sent (README "Hostile users"). */
export interface SimHostileStats {
  /** kind → hostile answers sent */
  answers: Record<string, number>;
  /** streamed bodies (gzipBomb, hugeBody, tricklingBody) still being written */
  streamsOpen: number;
  /** … written to the end */
  streamsCompleted: number;
  /** … stopped because the client went away (or the sim closed) */
  streamsAborted: number;
  /** bytes written by streamed bodies (the gzip bomb counts its compressed bytes) */
  bytesStreamed: number;
}

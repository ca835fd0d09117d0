/**
 * Faults for one scope (global, or one token / user). Rates are probabilities 0..1 drawn from a
 * PRNG seeded by the sim seed, so the same request sequence meets the same faults.
 * In JSON a field set to null is removed by setFaults.
 */
export interface SimFaultSpec {
  /** Probability of a 5xx instead of the real answer. */
  serverErrorRate?: number;
  /** Which 5xx to pick from (default [500, 502, 503]). 500 is Canvas's JSON with error_report_id; 502-504 come from the proxy, empty or HTML. */
  serverErrorStatuses?: Array<500 | 502 | 503 | 504>;
  /** Probability that a request hangs. */
  hangRate?: number;
  /** A hung request answers normally after this many ms; 0 or absent = never answers (until the client gives up). */
  hangMs?: number;
  /** Probability that a page is slow. */
  slowRate?: number;
  /** Extra latency of a slow page (default 2000 ms). */
  slowMs?: number;
  /** Probability that a 200 JSON body is cut short (invalid JSON). */
  malformedJsonRate?: number;
  /** Every request answers 503 for this many seconds from the moment the fault is set; 0 ends an outage. */
  outageSeconds?: number;
  /** The K-th request (1-based, counted from when this is set) of each token in scope revokes that token: it and later ones get 401 Revoked. */
  revokeAtRequest?: number;
  /** `/courses/:id` and everything below answer 403 permission JSON. */
  forbiddenCourseIds?: number[];
  /** `/courses/:id` and everything below answer 404. */
  notFoundCourseIds?: number[];
  /** Rows shift back by one between ordinal page fetches (duplicates across pages). */
  shiftRows?: boolean;
}

/** Top-level fields apply to every request; `perToken` keys are token strings or user ids (as strings). */
export interface SimFaults extends SimFaultSpec {
  perToken?: Record<string, SimFaultSpec>;
}

import { randomBytes } from 'node:crypto';

/** W3C Trace Context `traceparent`: `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A new root `traceparent` (sampled). */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** A child span of `parent` (same trace id, new span id), or a new root when `parent` is not valid. */
export function childTraceparent(parent: string | undefined | null): string {
  const m = parent ? TRACEPARENT.exec(parent) : null;
  if (!m || /^0+$/.test(m[1] ?? '')) return newTraceparent();
  return `00-${m[1]}-${randomBytes(8).toString('hex')}-${m[3]}`;
}

/** The trace id inside a `traceparent`, for log lines; `undefined` when it is not valid. */
export function traceIdOf(traceparent: string | undefined | null): string | undefined {
  return traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}

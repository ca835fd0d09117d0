/** Canvas prints datetimes as ISO-8601 UTC without milliseconds: 2025-09-01T14:00:00Z. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/**
 * A timestamp for a change made now that is strictly later than `previous`, so a changed row always
 * sorts after its old self even when two edits land in the same second.
 */
export function laterThan(previous: string | null | undefined, explicit?: string): string {
  if (explicit !== undefined) return isoSeconds(Date.parse(explicit));
  const now = Math.floor(Date.now() / 1000) * 1000;
  const before = previous ? Date.parse(previous) : Number.NEGATIVE_INFINITY;
  return isoSeconds(Math.max(now, before + 1000));
}

import { AppError } from '@canvas-sync/shared';

/**
 * Limits on what one Canvas server may make the fetcher do (DESIGN.md, "Limits on what Canvas
 * sends"). Every default is far above what a real heavy account needs (the `heavy` profile: 500
 * courses, ~200 assignments each, one unpaginated `assignment_groups` answer per course) and far
 * below what would hurt a fetcher pod (384 MiB).
 */
export interface CanvasLimits {
  /** Bytes of one answer after gzip/br decoding, counted as it streams in. */
  maxResponseBytes: number;
  /**
   * Bytes of answers one fetcher process reads at once, all requests together (`answer-bytes.ts`);
   * at least `maxResponseBytes`. Past it an answer is dropped with `canvas_busy` and retried later.
   */
  maxResponseBytesInFlight: number;
  /** Nesting of arrays/objects in one JSON answer (Canvas nests ~6 deep). */
  maxJsonDepth: number;
  /** Bytes of one `Link` header (Canvas sends ~5 URLs of a few hundred bytes; undici refuses all headers past 16 KiB). */
  maxLinkHeaderBytes: number;
  /** Pages one walk of a list follows. */
  maxPagesPerWalk: number;
  /** Rows one walk of a list returns (top-level rows, duplicates included). */
  maxRowsPerWalk: number;
}

export const DEFAULT_CANVAS_LIMITS: CanvasLimits = {
  maxResponseBytes: 16 * 1024 * 1024,
  // A pod's 384 MiB less the ~190 MiB a busy fetcher peaks at, rounded down (docs/security.md).
  maxResponseBytesInFlight: 128 * 1024 * 1024,
  maxJsonDepth: 64,
  maxLinkHeaderBytes: 16 * 1024,
  maxPagesPerWalk: 1_000,
  maxRowsPerWalk: 100_000,
};

/** A sync's limits on pages and rows, across all its pieces of work. */
export interface SyncLimits {
  pages: number;
  rows: number;
}

export const DEFAULT_SYNC_LIMITS: SyncLimits = { pages: 20_000, rows: 2_000_000 };

/**
 * What one piece of work (the planner's listing, or one fetch unit) may still spend of its sync's
 * limits. The planner hands each unit its share of the sync-wide limits in the message (see
 * {@link shareOf}), so the sum over a sync's units is the sync's limit without a shared counter.
 * Past it, the sync fails with `canvas_pagination_limit`; `exhausted` tells that apart from a
 * single walk's limit (which only skips a course).
 */
export class WorkBudget {
  exhausted = false;

  constructor(
    private pagesLeft: number,
    private rowsLeft: number,
  ) {}

  /** Counts one page; throws once the share is spent. */
  page(): void {
    this.pagesLeft -= 1;
    if (this.pagesLeft < 0) this.exhaust('pages');
  }

  /** Counts `n` rows; throws once the share is spent. */
  rows(n: number): void {
    this.rowsLeft -= n;
    if (this.rowsLeft < 0) this.exhaust('rows');
  }

  private exhaust(what: 'pages' | 'rows'): never {
    this.exhausted = true;
    throw new AppError('canvas_pagination_limit', `Canvas sent more ${what} than one sync may fetch; the sync stopped. An administrator can raise the limit.`);
  }
}

/** A unit's share of the sync's limits: in proportion to its courses, at least one page and row per course. */
export function shareOf(limits: SyncLimits, unitCourses: number, totalCourses: number): SyncLimits {
  const part = (n: number) => Math.max(unitCourses, Math.floor((n * unitCourses) / Math.max(1, totalCourses)));
  return { pages: part(limits.pages), rows: part(limits.rows) };
}

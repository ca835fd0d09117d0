import type { Logger } from 'pino';
import { AppError } from '@canvas-sync/shared';
import type { CanvasSession } from './canvas-session.js';
import type { CanvasLimits } from './walk-limits.js';

/** A row as the walk yields it: an object with a usable id. */
export type CanvasRow = Record<string, unknown> & { id: number };

/** What a walk needs of the client. */
export interface WalkDeps {
  limits: CanvasLimits;
  logger: Logger;
  hooks?: { onPage?(): void; onRowSkipped?(): void } | undefined;
  fetchPage(url: string): Promise<{ body: unknown; link: Record<string, string> }>;
}

/** A Canvas id we can key a row on: a non-negative safe integer (as the messages' `CanvasId`). */
export function usableId(id: unknown): id is number {
  return Number.isSafeInteger(id) && (id as number) >= 0;
}

/**
 * Follows `rel="next"` from `firstUrl`, only on the session's origin, yielding each page's new rows.
 * Bounded: at most `maxPagesPerWalk` pages and `maxRowsPerWalk` rows (`canvas_pagination_limit`),
 * every page charged to the session's share of its sync's limits; a repeated URL (a garbled
 * bookmark restarts at page 1 on Canvas, or a hostile server cycles two URLs) ends the walk.
 * A row without a usable id is skipped with a warning rather than failing the page.
 */
export async function* walkRows(deps: WalkDeps, session: CanvasSession, path: string, firstUrl: string): AsyncGenerator<CanvasRow[]> {
  const { limits, logger } = deps;
  const seenIds = new Set<number>();
  const visited = new Set<string>();
  let rowsSeen = 0;
  let url: string | null = firstUrl;
  while (url) {
    if (visited.has(url)) {
      logger.warn({ path, pages: visited.size }, 'canvas pagination repeated a page; stopping');
      return;
    }
    if (visited.size >= limits.maxPagesPerWalk) {
      throw new AppError('canvas_pagination_limit', `Canvas sent more than ${limits.maxPagesPerWalk} pages for ${path}; stopped.`);
    }
    visited.add(url);
    session.budget?.page();
    const { body, link } = await deps.fetchPage(url);
    if (!Array.isArray(body)) throw new AppError('canvas_bad_response', `Canvas sent a non-list for ${path}.`);
    rowsSeen += body.length;
    if (rowsSeen > limits.maxRowsPerWalk) {
      throw new AppError('canvas_pagination_limit', `Canvas sent more than ${limits.maxRowsPerWalk} rows for ${path}; stopped.`);
    }
    session.budget?.rows(body.length);
    const rows: CanvasRow[] = [];
    let skipped = 0;
    for (const row of body as unknown[]) {
      if (!row || typeof row !== 'object' || Array.isArray(row) || !usableId((row as { id?: unknown }).id)) {
        skipped += 1;
        deps.hooks?.onRowSkipped?.();
        continue;
      }
      const typed = row as CanvasRow;
      if (seenIds.has(typed.id)) continue;
      seenIds.add(typed.id);
      rows.push(typed);
    }
    if (skipped > 0) {
      logger.warn({ path, skipped }, 'canvas rows without a usable id skipped');
      session.onRowsSkipped?.(path, skipped);
    }
    deps.hooks?.onPage?.();
    yield rows;
    url = link.next ?? null;
    if (url && new URL(url).origin !== session.origin) {
      throw new AppError('canvas_redirect_refused', 'Canvas pointed the next page to another origin; refused.');
    }
  }
}

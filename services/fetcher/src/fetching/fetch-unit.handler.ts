import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isAppError, type AppError, type Database, type FetchUnit, type HandlerResult, type MessageContext } from '@canvas-sync/shared';
import type { CanvasClient } from '../canvas/canvas.client.js';
import type { CanvasSession } from '../canvas/canvas-session.js';
import { usableId } from '../canvas/walk.js';
import { WorkBudget, type SyncLimits } from '../canvas/walk-limits.js';
import type { Origin, PipelinePublisher } from '../messaging/pipeline.publisher.js';
import { finishedCourses, findSync, type SyncState } from '../syncs/sync-state.repository.js';
import { storedHashes } from './stored-hashes.repository.js';
import { fairShareDelay, type UserSlots } from './user-slots.js';
import { UnitRecords } from './unit-records.js';
import type { WorkGuard } from './work-guard.js';

export interface FetchUnitDeps {
  db: Kysely<Database>;
  canvas: CanvasClient;
  publisher: PipelinePublisher;
  guard: WorkGuard;
  slots: UserSlots;
  /** Courses of one unit fetched at once (the token budget caps requests in flight anyway). */
  courseConcurrency: number;
  /** The sync's limits; a unit from an older planner (no share in its message) may spend all of them. */
  syncLimits: SyncLimits;
}

/**
 * Fetches one unit: for each course, one paginated call to `assignment_groups` with the
 * assignments and the user's own submission embedded (CANVAS.md: one call per course brings
 * groups, assignments and grades). Courses already checkpointed (a redelivery, a resume) are
 * skipped. A permission 403/404 on a course is a warning on the sync, not a failure.
 */
export function fetchUnitHandler(deps: FetchUnitDeps) {
  return async (unit: FetchUnit, ctx: MessageContext): Promise<HandlerResult> => {
    // Fairness: one user's many units must not occupy every slot of this fetcher. Checked before
    // any I/O, as a put-back unit comes back often. One unit of the user may wait in line for the
    // user's next free slot (bounded, see UserSlots); on its last delivery a unit waits regardless:
    // put back once more, it would be dropped.
    const slot = deps.slots.tryTake(unit.userId) ?? (await (ctx.lastDelivery ? deps.slots.take(unit.userId) : deps.slots.waitInLine(unit.userId)));
    if (!slot) return { nak: fairShareDelay(ctx.deliveryCount) };
    try {
      const sync = await findSync(deps.db, unit.syncId);
      if (!sync || sync.userId !== unit.userId || sync.run !== unit.run || !['queued', 'running'].includes(sync.status)) return 'ack';
      const origin: Origin = { correlationId: sync.id, traceparent: ctx.traceparent };
      const share = unit.budget ?? deps.syncLimits;
      return await deps.guard.run(
        sync,
        origin,
        ctx,
        async (session) => {
          const done = await finishedCourses(deps.db, sync.id, unit.courseIds);
          const todo = unit.courseIds.filter((id) => !done.has(id));
          await forEachLimit(todo, deps.courseConcurrency, (courseId) => fetchCourse(deps, sync, session, courseId, origin, ctx));
        },
        new WorkBudget(share.pages, share.rows),
      );
    } finally {
      slot.release();
    }
  };
}

/**
 * One course's walk. A course whose answer is too large or too slow to arrive, or whose walk
 * passes its page/row limit, is skipped with a warning, like a forbidden one: the user's other courses still sync. Past the
 * sync's share (`session.budget` exhausted) the error goes up and fails the sync.
 * The content hashes of the course's stored rows are read first: rows fetched unchanged travel as
 * ids (`UnitRecords`), in full syncs too, whose sweep counts the ids as seen. A writer from before
 * the `unchanged` field (before session 10's release) would drop them and sweep those rows: such a
 * writer must not run beside this fetcher (docs/operations.md "Upgrade").
 */
async function fetchCourse(deps: FetchUnitDeps, sync: SyncState, session: CanvasSession, courseId: number, origin: Origin, ctx: MessageContext): Promise<void> {
  const unitKey = `course:${courseId}`;
  const base = { syncId: sync.id, userId: sync.userId, run: sync.run };
  const stored = await storedHashes(deps.db, sync.userId, courseId);
  const out = new UnitRecords(deps.publisher, { ...base, unitKey, fetchId: randomUUID() }, origin, undefined, stored.size ? stored : undefined);
  try {
    const pages = deps.canvas.paginate(session, `/api/v1/courses/${courseId}/assignment_groups`, { 'include[]': ['assignments', 'submission'] });
    for await (const groups of pages) {
      let skipped = 0;
      for (const group of groups) {
        // The embedded lists leave the row by being set to undefined, which JSON leaves out: the
        // parsed answer is ours, and copying every row without one key (`...rest`) was 3 % of the CPU.
        const assignments = group.assignments;
        group.assignments = undefined;
        await out.add('assignment_groups', group);
        const list: unknown[] = Array.isArray(assignments) ? assignments : [];
        session.budget?.rows(list.length * 2);
        for (const assignment of list) {
          if (!assignment || typeof assignment !== 'object' || !usableId((assignment as { id?: unknown }).id)) {
            skipped += 1;
            continue;
          }
          const assignmentRow = assignment as Record<string, unknown> & { id: number };
          const submission = assignmentRow.submission;
          assignmentRow.submission = undefined;
          await out.add('assignments', assignmentRow);
          const sub = submission as (Record<string, unknown> & { id?: unknown }) | null | undefined;
          if (sub && typeof sub === 'object' && usableId(sub.id)) await out.add('submissions', sub as typeof group);
          else if (sub) skipped += 1;
        }
      }
      if (skipped > 0) {
        ctx.logger.warn({ syncId: sync.id, courseId, skipped }, 'canvas rows without a usable id skipped');
        session.onRowsSkipped?.(`/api/v1/courses/${courseId}/assignment_groups`, skipped);
      }
    }
    await out.finish();
  } catch (err) {
    if (skipsCourse(err, session)) {
      if (err.code !== 'canvas_forbidden' && err.code !== 'canvas_not_found') ctx.logger.warn({ syncId: sync.id, courseId, code: err.code }, 'course skipped: past a limit on what Canvas sends');
      await deps.publisher.status({ ...base, kind: 'unit_skipped', unitKey, error: { code: err.code, message: err.message } }, origin, `${sync.id}:r${sync.run}:skip:${unitKey}`);
      return;
    }
    throw err;
  }
}

/** Errors that skip one course with a warning instead of failing the sync. */
function skipsCourse(err: unknown, session: CanvasSession): err is AppError {
  if (isAppError(err, 'canvas_forbidden') || isAppError(err, 'canvas_not_found') || isAppError(err, 'canvas_response_too_large') || isAppError(err, 'canvas_time_limit')) return true;
  return isAppError(err, 'canvas_pagination_limit') && !session.budget?.exhausted;
}

/** Runs `fn` over `items` with at most `limit` at once; the first failure stops new starts and is thrown. */
export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

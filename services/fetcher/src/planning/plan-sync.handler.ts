import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, HandlerResult, MessageContext, SyncRequested } from '@canvas-sync/shared';
import type { CanvasClient } from '../canvas/canvas.client.js';
import type { CanvasSession } from '../canvas/canvas-session.js';
import { usableId } from '../canvas/walk.js';
import { shareOf, WorkBudget, type SyncLimits } from '../canvas/walk-limits.js';
import { UnitRecords } from '../fetching/unit-records.js';
import { fairShareDelay, type UserSlots } from '../fetching/user-slots.js';
import type { Origin, PipelinePublisher } from '../messaging/pipeline.publisher.js';
import { PublishWindow } from '../messaging/publish-window.js';
import type { SessionFactory } from '../syncs/session-factory.js';
import { findSync, pendingPlannedCourses, type SyncState } from '../syncs/sync-state.repository.js';
import { chunk, inScope } from './scope.js';
import type { WorkGuard } from '../fetching/work-guard.js';

export interface PlannerDeps {
  db: Kysely<Database>;
  canvas: CanvasClient;
  openSession: SessionFactory;
  publisher: PipelinePublisher;
  guard: WorkGuard;
  /** Plannings per user at once in this process: one user's syncs cannot hold every planner slot. */
  slots: UserSlots;
  /** Pages and rows one sync may fetch; each unit gets its share in its message. */
  syncLimits: SyncLimits;
}

/**
 * Plans a sync: lists the user's courses once (the `courses` checkpoint unit, with their terms),
 * tells the writer the plan, and cuts the courses into fetch units of `chunkSize`. A resumed sync
 * whose course list is already checkpointed skips the listing and plans only unfinished courses.
 */
export function planSyncHandler(deps: PlannerDeps) {
  return async (msg: SyncRequested, ctx: MessageContext): Promise<HandlerResult> => {
    // Fairness as in the fetch units: at the user's share, put back; on the last delivery, wait.
    const slot = deps.slots.tryTake(msg.userId) ?? (ctx.lastDelivery ? await deps.slots.take(msg.userId) : undefined);
    if (!slot) return { nak: fairShareDelay(ctx.deliveryCount) };
    try {
      return await plan(deps, msg, ctx);
    } finally {
      slot.release();
    }
  };
}

/** The planning itself, once the user's planner slot is held. */
async function plan(deps: PlannerDeps, msg: SyncRequested, ctx: MessageContext): Promise<HandlerResult> {
  const sync = await findSync(deps.db, msg.syncId);
  if (!sync || sync.run !== msg.run || !['queued', 'running'].includes(sync.status)) {
    ctx.logger.info({ syncId: msg.syncId, status: sync?.status }, 'sync no longer wants planning');
    return 'ack';
  }
  const origin: Origin = { correlationId: sync.id, traceparent: ctx.traceparent };
  // Its ack is awaited with the plan's (planWork), not before the course list is requested.
  const published = new PublishWindow();
  await published.add(deps.publisher.status({ syncId: sync.id, userId: sync.userId, run: sync.run, kind: 'started' }, origin, `${sync.id}:r${sync.run}:started`));

  const budget = new WorkBudget(deps.syncLimits.pages, deps.syncLimits.rows);
  return deps.guard.run(sync, origin, ctx, planWork(deps, sync, origin, ctx, published), budget);
}

/**
 * The planning's Canvas work: the course list (unless a resumed plan has it) and the fetch units.
 * The course list's records, the plan and the units go out one after another without waiting for
 * each ack (`published`, which may already hold the `started` report); the planning ends, and its
 * message is acked, once every ack is in. The writer takes the plan, the course list and the
 * courses' records in any order (its consumer always handled them in parallel), and the units
 * need nothing of the others: a unit's courses are fetched while the plan is still being stored.
 */
export function planWork(
  deps: Pick<PlannerDeps, 'db' | 'canvas' | 'publisher' | 'syncLimits'>,
  sync: SyncState,
  origin: Origin,
  ctx: Pick<MessageContext, 'logger'>,
  published: PublishWindow = new PublishWindow(),
): (session: CanvasSession) => Promise<void> {
  const base = { syncId: sync.id, userId: sync.userId, run: sync.run };
  return async (session) => {
    let courseIds = sync.planReady ? await pendingPlannedCourses(deps.db, sync.id) : undefined;
    if (courseIds === undefined) courseIds = await listCourses(deps, sync, session, origin, published);
    const units = chunk(courseIds, sync.chunkSize);
    for (const [unitIndex, ids] of units.entries()) {
      await published.add(deps.publisher.unit({ ...base, unitIndex, courseIds: ids, budget: shareOf(deps.syncLimits, ids.length, courseIds.length) }, origin));
    }
    await published.settled();
    ctx.logger.info({ syncId: sync.id, courses: courseIds.length, units: units.length }, 'sync planned');
  };
}

/** Walks `/courses?include[]=term`, publishing the course list as the `courses` unit and the plan. */
async function listCourses(deps: Pick<PlannerDeps, 'canvas' | 'publisher'>, sync: SyncState, session: CanvasSession, origin: Origin, published: PublishWindow): Promise<number[]> {
  const base = { syncId: sync.id, userId: sync.userId, run: sync.run };
  const out = new UnitRecords(deps.publisher, { ...base, unitKey: 'courses', fetchId: randomUUID() }, origin);
  const terms = new Map<number, Record<string, unknown> & { id: number }>();
  const planned: number[] = [];
  for await (const page of deps.canvas.paginate(session, '/api/v1/courses', { 'include[]': ['term'] })) {
    for (const course of page) {
      if (!inScope(course, sync.scope)) continue;
      await out.add('courses', course);
      const term = course.term as (Record<string, unknown> & { id: number }) | undefined;
      if (term && usableId(term.id)) terms.set(term.id, term);
      // A course closed by its dates comes back as a stub; its contents cannot be read.
      if (course.access_restricted_by_date !== true) planned.push(course.id);
    }
  }
  for (const term of terms.values()) await out.add('terms', term);
  await published.add(out.finish());
  await published.add(deps.publisher.planned({ ...base, courseIds: planned, unitCount: Math.ceil(planned.length / sync.chunkSize) }, origin));
  return planned;
}

import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  ACK_WAIT_MS,
  controlSubject,
  decodeMessage,
  DURABLES,
  fetchUnit,
  on,
  startConsumer,
  syncControl,
  syncRequested,
  type Database,
  type MessageDef,
  type Namespace,
  type RunningConsumer,
} from '@canvas-sync/shared';
import { CancelRegistry } from './cancel/cancel-registry.js';
import type { CanvasClient } from './canvas/canvas.client.js';
import type { SyncLimits } from './canvas/walk-limits.js';
import { fetchUnitHandler } from './fetching/fetch-unit.handler.js';
import { UserSlots } from './fetching/user-slots.js';
import { WorkGuard, type WorkLimits } from './fetching/work-guard.js';
import { pipelinePublisher } from './messaging/pipeline.publisher.js';
import { planSyncHandler } from './planning/plan-sync.handler.js';
import type { SessionFactory } from './syncs/session-factory.js';
import { isWanted } from './syncs/sync-state.repository.js';

export interface FetcherWiring {
  nc: NatsConnection;
  js: JetStreamClient;
  ns: Namespace;
  db: Kysely<Database>;
  canvas: CanvasClient;
  openSession: SessionFactory;
  logger: Logger;
  concurrency: number;
  unitsPerUser: number;
  courseConcurrency: number;
  /** Plannings of one user at once in this process. */
  plannerPerUser: number;
  work: WorkLimits;
  syncLimits: SyncLimits;
}

/** Starts the planner and fetch consumers and the cancel listener; returns how to stop them. */
export function startFetcherConsumers(w: FetcherWiring): { stop(deadlineMs: number): Promise<void> } {
  const cancels = new CancelRegistry();
  const publisher = pipelinePublisher(w.js, w.ns);
  const guard = new WorkGuard(cancels, w.openSession, publisher, (syncId, run) => isWanted(w.db, syncId, run), w.work);
  // The consumer lets a message go a minute after the work's own time limit would have stopped it.
  const margin = 60_000;
  const maxHandlerMs = w.work.timeLimitMs + margin;
  // One unit per user may wait for the user's next free slot instead of being put back, in slots
  // the consumer has spare (DESIGN.md "Fair"), for half the margin at most: the wait counts against
  // `maxHandlerMs`, and the unit must still get its whole time limit afterwards.
  const unitSlots = new UserSlots(w.unitsPerUser, { capacity: w.concurrency, maxWaitMs: margin / 2 });

  const cancelSub = w.nc.subscribe(controlSubject(w.ns), {
    callback: (err, msg) => {
      if (err) return;
      const decoded = decodeMessage(msg.data, [syncControl]);
      if (decoded.ok) cancels.cancel((decoded.message.payload as { syncId: string }).syncId);
    },
  });

  // A message given up (last retry, permanent error) must fail its sync, or it would stay running.
  const onGiveUp = async (payload: unknown, _def: MessageDef, reason: string, code: string) => {
    const p = payload as { syncId: string; userId: string; run: number };
    await publisher.status({ syncId: p.syncId, userId: p.userId, run: p.run, kind: 'sync_failed', error: { code, message: reason.slice(0, 500) } }, { correlationId: p.syncId, traceparent: undefined });
  };

  const common = { js: w.js, ns: w.ns, logger: w.logger, stream: w.ns.stream('SYNC_WORK'), onGiveUp };
  const consumers: RunningConsumer[] = [
    startConsumer({
      ...common,
      durable: DURABLES.planner,
      routes: [on(syncRequested, planSyncHandler({ db: w.db, canvas: w.canvas, openSession: w.openSession, publisher, guard, slots: new UserSlots(w.plannerPerUser), syncLimits: w.syncLimits }))],
      concurrency: Math.max(1, Math.ceil(w.concurrency / 2)),
      ackWaitMs: ACK_WAIT_MS.planner,
      maxHandlerMs,
      maxDeliver: 10,
    }),
    startConsumer({
      ...common,
      durable: DURABLES.fetcher,
      routes: [on(fetchUnit, fetchUnitHandler({ db: w.db, canvas: w.canvas, publisher, guard, slots: unitSlots, courseConcurrency: w.courseConcurrency, syncLimits: w.syncLimits }))],
      concurrency: w.concurrency,
      ackWaitMs: ACK_WAIT_MS.fetcher,
      maxHandlerMs,
      maxDeliver: 1000,
    }),
  ];
  return {
    async stop(deadlineMs) {
      cancelSub.unsubscribe();
      // Units waiting in line go back to the stream rather than start while the process stops.
      unitSlots.close();
      await Promise.all(consumers.map((c) => c.stop(deadlineMs)));
    },
  };
}

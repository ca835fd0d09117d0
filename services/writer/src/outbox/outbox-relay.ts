import type { Kysely } from 'kysely';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { canvasChanges, publish, syncFinished, userSubjectToken, type Database, type Namespace } from '@canvas-sync/shared';
import { claimUser, markPublished, pendingOf, prune, usersWithPending, type PendingEvent } from './outbox.repository.js';

/** How the relay runs (WriterConfig.outbox). */
export interface RelayOptions {
  /** Idle poll interval; a local commit wakes the relay at once. */
  pollMs: number;
  /** Events published per user per round (one transaction). */
  batch: number;
  /** Users served per round. */
  users: number;
  /** Feed rows are kept this many days (0: forever). */
  feedRetentionDays: number;
  /** Published outbox rows are kept this many hours (the stream itself keeps events 7 days). */
  publishedRetentionHours: number;
}

export interface OutboxRelay {
  /** A transaction of this process committed events: publish them now rather than at the next poll. */
  wake(): void;
  /** Stops after the round in flight (its unpublished rows stay for the next relay). */
  stop(): Promise<void>;
}

const DEFS = { 'canvas.changes': canvasChanges, 'sync.finished': syncFinished } as const;
const PRUNE_EVERY_MS = 60_000;

/**
 * Publishes the outbox to stream CANVAS_EVENTS. Every writer replica runs one; they share the work
 * by user: a round takes, per user with pending events, a transaction-scoped advisory lock (others
 * skip that user), publishes the user's oldest events one after another in their order (the
 * envelope id = the row's `event_id` = `msgID`, so a republish after a crash is dropped by the
 * stream's duplicate window and deduped by consumers), then marks them published in the same
 * transaction. A failed publish stops that user's round, so a later event never overtakes it.
 *
 * Wake-ups: a short poll (`pollMs`), a `wake()` from this process's own commits, and at once again
 * after a round that published anything (a backlog drains without waiting for the poll).
 */
export function startOutboxRelay(deps: { db: Kysely<Database>; js: JetStreamClient; ns: Namespace; logger: Logger }, options: RelayOptions): OutboxRelay {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let woken = false;
  let lastPrune = 0;
  let loop: Promise<void> = Promise.resolve();
  let running = false;

  const publishOne = (e: PendingEvent) =>
    publish(deps.js, deps.ns, DEFS[e.type], e.payload as never, {
      id: e.event_id,
      correlationId: e.correlation_id,
      tokens: [userSubjectToken(e.user_id)],
      occurredAt: new Date(e.created_at).toISOString(),
    });

  const round = async (): Promise<number> => {
    return deps.db.transaction().execute(async (tx) => {
      let published = 0;
      for (const userId of await usersWithPending(tx, options.users)) {
        if (stopped || !(await claimUser(tx, userId))) continue;
        const done: string[] = [];
        let failed = false;
        for (const event of await pendingOf(tx, userId, options.batch)) {
          try {
            await publishOne(event);
            done.push(event.event_id);
          } catch (err) {
            deps.logger.warn({ err, eventId: event.event_id }, 'change event publish failed; retrying later');
            failed = true;
            break;
          }
        }
        await markPublished(tx, done);
        published += done.length;
        // NATS is likely unreachable: end the round (and its transaction) rather than time out once per user.
        if (failed) return 0;
      }
      return published;
    });
  };

  const maybePrune = async () => {
    if (Date.now() - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = Date.now();
    const pruned = await prune(deps.db, { publishedHours: options.publishedRetentionHours, feedDays: options.feedRetentionDays, batch: 10_000 });
    if (pruned.events > 0 || pruned.feedUsers > 0) deps.logger.info(pruned, 'outbox and change feed pruned');
  };

  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      let published: number;
      do {
        woken = false;
        published = await round();
      } while (!stopped && (published > 0 || woken));
      await maybePrune();
    } catch (err) {
      deps.logger.warn({ err }, 'outbox relay round failed');
    } finally {
      running = false;
      schedule(options.pollMs);
    }
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      loop = tick();
    }, ms);
  };

  schedule(0);
  return {
    wake() {
      woken = true;
      if (!running) schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await loop;
    },
  };
}

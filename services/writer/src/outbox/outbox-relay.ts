import type { Kysely } from 'kysely';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { canvasChanges, publish, syncFinished, userSubjectToken, type Database, type Namespace } from '@canvas-sync/shared';
import { claimDue, markPublished, prune, type PendingEvent } from './outbox.repository.js';

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
/** How soon to look again at a user another relay's round holds (a round takes milliseconds). */
const BUSY_RETRY_MS = 20;

/**
 * Publishes the outbox to stream CANVAS_EVENTS. Every writer replica runs one; they share the work
 * by user: a round takes, per user with pending events, a transaction-scoped advisory lock (others
 * skip that user), publishes the user's oldest events one after another in their order (the
 * envelope id = the row's `event_id` = `msgID`, so a republish after a crash is dropped by the
 * stream's duplicate window and deduped by consumers), then marks them published in the same
 * transaction. A failed publish stops that user's round, so a later event never overtakes it.
 *
 * A round is one transaction of 4 statements however many users it serves: begin, claim (one
 * statement: due users, their locks, their events), mark published, commit.
 *
 * Wake-ups: a short poll (`pollMs`); a `wake()` from this process's own commits — a burst of them
 * during a round costs one more round, not one each (`woken` is a flag); at once again after a
 * round that left work behind (a user's full batch, or more users than a round serves: a backlog
 * drains without waiting for the poll); and after `BUSY_RETRY_MS` when another relay held a user
 * we saw waiting — it may have missed events committed during its round, which our writer woke
 * us, not it, for. (Until #15 every round that published was followed by another, mostly empty.)
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

  /**
   * One round, one transaction: claim the due users' events, publish them in order, stamp them.
   * A failed publish ends the round, so no later event of its user overtakes it (and NATS is likely
   * unreachable: better than timing out once per user). What follows: see {@link Claimed}.
   */
  const round = async (): Promise<{ more: boolean; busy: boolean }> => {
    return deps.db.transaction().execute(async (tx) => {
      // Cleared only now: a commit that woke us before the claim statement is in its snapshot, so
      // only a wake-up from here on calls for another round.
      woken = false;
      const claimed = await claimDue(tx, options);
      const done: string[] = [];
      let failed = false;
      for (const event of claimed.events) {
        if (stopped) break;
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
      return failed ? { more: false, busy: false } : { more: claimed.more, busy: claimed.busy };
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
    let next = options.pollMs;
    try {
      let result: { more: boolean; busy: boolean };
      do {
        result = await round();
      } while (!stopped && (result.more || woken));
      // Another relay holds a user we saw waiting: it may have missed events committed during its
      // round (its writer woke it before it finished), so look again soon rather than at the poll.
      if (result.busy) next = Math.min(options.pollMs, BUSY_RETRY_MS);
      await maybePrune();
    } catch (err) {
      deps.logger.warn({ err }, 'outbox relay round failed');
    } finally {
      running = false;
      schedule(next);
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

import { setTimeout as sleep } from 'node:timers/promises';
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { decodeMessage, syncProgress, type Namespace, type SyncProgress } from '@canvas-sync/shared';

/** Options for {@link startProgressFeed}. */
export interface ProgressFeedOptions {
  js: JetStreamClient;
  ns: Namespace;
  logger: Logger;
  /** Called once per valid event, serially, in stream order. */
  onEvent(event: SyncProgress): Promise<void>;
}

/** A running feed. */
export interface ProgressFeed {
  /** Events received (valid or not), for metrics and tests. */
  received(): number;
  stop(): Promise<void>;
}

/**
 * Reads SYNC_PROGRESS with an ordered consumer from "now on": an ephemeral consumer of this process
 * alone, so every notifier replica sees every event (a durable or queue group would split them),
 * and one the client library recreates at the right sequence after a NATS reconnect or a gap.
 * Missed history is not needed: clients get the current state from the snapshot in Postgres.
 * Each event is validated against the shared schema; a bad one is logged and skipped.
 */
export async function startProgressFeed(options: ProgressFeedOptions): Promise<ProgressFeed> {
  const { logger } = options;
  const stream = options.ns.stream('SYNC_PROGRESS');
  let stopping = false;
  let received = 0;
  let messages: ConsumerMessages | undefined;

  const open = async (): Promise<ConsumerMessages> => {
    const consumer = await options.js.consumers.get(stream, { deliver_policy: DeliverPolicy.New });
    return consumer.consume({ max_messages: 256 });
  };
  // Open before returning, so events published once start-up is done are never missed.
  messages = await open();

  const loop = async () => {
    while (!stopping) {
      try {
        messages ??= await open();
        for await (const m of messages) {
          received += 1;
          const decoded = decodeMessage(m.data, [syncProgress]);
          if (!decoded.ok) {
            logger.warn({ subject: m.subject, reason: decoded.reason }, 'progress event dropped');
            continue;
          }
          await options.onEvent(decoded.message.payload as SyncProgress).catch((err: unknown) => logger.error({ err }, 'progress fan-out failed'));
        }
      } catch (err) {
        if (stopping) break;
        logger.warn({ err }, 'progress feed interrupted; reopening');
        await sleep(1_000);
      }
      messages = undefined;
    }
  };
  const running = loop();

  return {
    received: () => received,
    async stop() {
      stopping = true;
      await messages?.close().catch(() => undefined);
      await running;
    },
  };
}

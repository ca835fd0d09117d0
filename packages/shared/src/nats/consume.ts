import { setTimeout as sleep } from 'node:timers/promises';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { isRetryable, toAppError } from '../errors/index.js';
import { deadLetter } from '../messages/dead-letter.js';
import type { MessageDef, PayloadOf } from '../messages/envelope.js';
import type { Namespace } from '../messages/streams.js';
import { traceIdOf } from '../tracing/traceparent.js';
import { decodeMessage } from './decode.js';
import { publish } from './publish.js';
import { isTransientBrokerError } from './transient.js';

/** What a handler wants done with its message; returning nothing means `ack`. */
export type HandlerResult = void | 'ack' | 'term' | { nak: number };

/** Per-message facts for a handler. */
export interface MessageContext {
  msgId: string;
  correlationId: string;
  /** The envelope's `occurredAt`: when the message was first published (the same on every redelivery). */
  occurredAt?: string;
  deliveryCount: number;
  /** True on the last delivery JetStream will make; a handler may record a failure instead of retrying. */
  lastDelivery: boolean;
  traceparent: string | undefined;
  logger: Logger;
  /**
   * Aborted when the handler has run past `maxHandlerMs`: its message is no longer kept (it will be
   * redelivered), so the work must stop rather than run on beside the next copy.
   */
  signal?: AbortSignal;
}

/** One message type and its handler. Build with {@link on}. */
export interface Route {
  def: MessageDef;
  handle(payload: unknown, ctx: MessageContext): Promise<HandlerResult>;
}

/** Binds a handler to a message type with the payload typed from its schema. */
export function on<D extends MessageDef>(def: D, handle: (payload: PayloadOf<D>, ctx: MessageContext) => Promise<HandlerResult>): Route {
  return { def, handle: handle as Route['handle'] };
}

/** Options for {@link startConsumer}. */
export interface ConsumerOptions {
  js: JetStreamClient;
  ns: Namespace;
  stream: string;
  durable: string;
  routes: Route[];
  /** Messages handled at once; also the most this process holds un-acked. */
  concurrency: number;
  ackWaitMs: number;
  maxDeliver: number;
  logger: Logger;
  backoff?: { baseMs: number; maxMs: number };
  /** A handler running longer than this stops extending its ack deadline, so the message is redelivered. */
  maxHandlerMs?: number;
  /** Called when a message is given up (termed after a permanent error or its last retry). */
  onGiveUp?: (payload: unknown, def: MessageDef, reason: string, code: string) => Promise<void>;
}

/** A running consumer. */
export interface RunningConsumer {
  inFlight(): number;
  /**
   * Stops pulling and waits up to `deadlineMs` for every message already delivered to this process
   * to be handled and acknowledged, including those its last pull (≤ 2 s) still brings; a message
   * still unfinished at the deadline is redelivered after its ack wait.
   */
  stop(deadlineMs: number): Promise<void>;
}

/**
 * Pulls a durable consumer with bounded concurrency and turns handler outcomes into JetStream
 * acknowledgements: ack on success; nak with exponential backoff on retryable errors; `term()`
 * plus a dead-letter record on invalid messages, permanent errors and the last retry.
 * `term()` is called without a reason: nats-server 2.9 redelivers a message termed with one.
 */
export function startConsumer(options: ConsumerOptions): RunningConsumer {
  const { logger } = options;
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let wake: (() => void) | undefined;

  const backoff = options.backoff ?? { baseMs: 500, maxMs: 30_000 };
  const nakDelay = (count: number) => {
    const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, count - 1));
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  };

  const giveUp = async (m: JsMsg, reason: string, code: string, payload?: unknown, def?: MessageDef) => {
    logger.warn({ subject: m.subject, deliveries: m.info.deliveryCount, reason, code }, 'message given up');
    m.term();
    const excerpt = new TextDecoder().decode(m.data.subarray(0, 1000));
    await publish(options.js, options.ns, deadLetter, {
      stream: options.stream,
      durable: options.durable,
      subject: m.subject,
      messageId: m.headers?.get('Nats-Msg-Id') ?? null,
      deliveries: m.info.deliveryCount,
      reason: reason.slice(0, 2000),
      code,
      excerpt,
    }, { correlationId: options.durable }).catch((err: unknown) => logger.error({ err }, 'dead letter not recorded'));
    if (payload !== undefined && def && options.onGiveUp) {
      await options.onGiveUp(payload, def, reason, code).catch((err: unknown) => logger.error({ err }, 'give-up hook failed'));
    }
  };

  const handleOne = async (m: JsMsg) => {
    const decoded = decodeMessage(m.data, options.routes.map((r) => r.def));
    if (!decoded.ok) return giveUp(m, decoded.reason, 'message_invalid');
    const { def, envelope, payload } = decoded.message;
    const route = options.routes.find((r) => r.def === def)!;
    const traceparent = m.headers?.get('traceparent') || undefined;
    const overdue = new AbortController();
    const ctx: MessageContext = {
      msgId: envelope.id,
      correlationId: envelope.correlationId,
      occurredAt: envelope.occurredAt,
      deliveryCount: m.info.deliveryCount,
      lastDelivery: m.info.deliveryCount >= options.maxDeliver,
      traceparent,
      signal: overdue.signal,
      logger: logger.child({ msgId: envelope.id, type: def.type, traceId: traceIdOf(traceparent) }),
    };
    // Keep the message ours while the handler works, but not forever: a stuck handler must let go.
    const started = Date.now();
    const maxHandlerMs = options.maxHandlerMs ?? 10 * 60_000;
    const heartbeat = setInterval(() => {
      if (Date.now() - started < maxHandlerMs) m.working();
      else if (!overdue.signal.aborted) overdue.abort(new Error(`handler ran longer than ${maxHandlerMs} ms`));
    }, Math.max(1_000, Math.floor(options.ackWaitMs / 3)));
    try {
      const result = await route.handle(payload, ctx);
      if (result === 'term') return giveUp(m, 'handler asked to terminate', 'message_invalid', payload, def);
      if (result && typeof result === 'object') m.nak(result.nak);
      else m.ack();
    } catch (err) {
      const appErr = toAppError(err);
      // A broker hiccup (publish ack timed out, connection lost) is as retryable as a Canvas 5xx.
      if ((isRetryable(err) || isTransientBrokerError(err)) && !ctx.lastDelivery) {
        const delay = nakDelay(ctx.deliveryCount);
        ctx.logger.warn({ err, code: appErr.code, delay }, 'handler failed; will retry');
        m.nak(delay);
      } else {
        ctx.logger.error({ err, code: appErr.code }, 'handler failed permanently');
        await giveUp(m, appErr.message, appErr.code, payload, def);
      }
    } finally {
      clearInterval(heartbeat);
    }
  };

  // The consumer handle is looked up once (`consumers.get` is a CONSUMER.INFO round trip) and again
  // only after a failed pull: a pull per handled message made that one more request per message.
  let consumer: Awaited<ReturnType<typeof options.js.consumers.get>> | undefined;
  const loop = async () => {
    while (!stopping) {
      const free = options.concurrency - inFlight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      try {
        consumer ??= await options.js.consumers.get(options.stream, options.durable);
        if (stopping) break;
        // A stop does not cut this pull short: stopping its iterator unsubscribes its inbox, and a
        // message the server had already sent there arrives to no subscription, is dropped unseen and
        // comes back to another process after the ack wait (nats-server 2.9 cannot cancel a pull).
        // The pull ends by itself within `expires`; what it brings is handled like the rest.
        const batch = await consumer.fetch({ max_messages: free, expires: 2_000 });
        for await (const m of batch) {
          const task = handleOne(m).catch((err: unknown) => logger.error({ err }, 'consumer task crashed'));
          inFlight.add(task);
          void task.finally(() => {
            inFlight.delete(task);
            wake?.();
          });
        }
      } catch (err) {
        consumer = undefined;
        if (stopping) break;
        logger.warn({ err, durable: options.durable }, 'pull failed; retrying');
        await sleep(1_000);
      }
    }
  };
  const looping = loop();

  return {
    inFlight: () => inFlight.size,
    async stop(deadlineMs: number) {
      stopping = true;
      wake?.();
      // The tasks to wait for are read after the loop has ended, not now: the pull's remaining
      // messages start tasks after this call, and their acks must be sent before the connection closes.
      const settled = looping.then(() => Promise.all(inFlight));
      // The deadline's timer is cancelled once all is settled: it must not hold the process open.
      const deadline = new AbortController();
      await Promise.race([settled, sleep(deadlineMs, undefined, { signal: deadline.signal }).catch(() => undefined)]);
      deadline.abort();
    },
  };
}

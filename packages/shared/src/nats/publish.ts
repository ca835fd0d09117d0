import { randomUUID } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import { ClosedConnectionError, DrainingConnectionError, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { AppError } from '../errors/index.js';
import type { MessageDef, PayloadOf } from '../messages/envelope.js';
import { MAX_MESSAGE_BYTES, type Namespace } from '../messages/streams.js';
import { isTransientBrokerError } from './transient.js';

/** Options for one publish. */
export interface PublishOptions {
  /** Message id: JetStream dedup key and idempotency key. Make it deterministic for retries. */
  id?: string;
  correlationId: string;
  /** Extra subject tokens after the message's subject (e.g. a sync id). */
  tokens?: string[];
  /** W3C trace context, carried in the `traceparent` header. */
  traceparent?: string;
  /** The envelope's `occurredAt` when it is not now (an outbox row published later: its commit time). */
  occurredAt?: string;
}

/**
 * One payload field its producer already holds as JSON text, spliced into the message unparsed:
 * the fetcher serializes each row once to measure it for splitting parts by bytes, and stringifying
 * the same rows again (after copying them through the schema) was a third of its CPU per row
 * (docs/performance.md). The rest of the payload is validated with `placeholder` in that field;
 * `json` must be one JSON value valid for the field (the consumer validates it as every message).
 */
export interface PreparedField {
  key: string;
  /**
   * The field's JSON text, or that text in pieces, in order, concatenated as they are (separators
   * are pieces too; a surrogate pair is never split across two). Each piece is encoded straight
   * into the message's bytes: joining a part's rows into one string and then encoding that copied
   * every byte twice more (docs/performance.md).
   */
  json: string | readonly string[];
  placeholder: unknown;
}

/** Validates `payload` against the message schema and wraps it in the envelope; throws `message_invalid`. */
export function encodeMessage<D extends MessageDef>(def: D, payload: PayloadOf<D>, options: PublishOptions, prepared?: PreparedField): { id: string; data: Uint8Array } {
  const parsed = def.schema.safeParse(prepared ? { ...(payload as object), [prepared.key]: prepared.placeholder } : payload);
  if (!parsed.success) {
    throw new AppError('message_invalid', `Refusing to publish an invalid ${def.type}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const id = options.id ?? randomUUID();
  const envelope = { id, type: def.type, v: def.v, occurredAt: options.occurredAt ?? new Date().toISOString(), correlationId: options.correlationId, payload: parsed.data };
  if (prepared) return { id, data: spliced(def, envelope, prepared) };
  const data = Buffer.from(JSON.stringify(envelope), 'utf8');
  if (data.byteLength > MAX_MESSAGE_BYTES) throw tooLarge(def, data.byteLength);
  return { id, data };
}

function tooLarge(def: MessageDef, bytes: number): AppError {
  return new AppError('message_invalid', `A ${def.type} message is ${bytes} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit.`);
}

/**
 * The envelope's JSON with the prepared field's text as the payload's last key: the same bytes as
 * `JSON.stringify` of the whole envelope when that key is the schema's last. Sized first (and
 * refused before anything is allocated when over the limit), then each piece written in place.
 */
function spliced(def: MessageDef, envelope: { payload: unknown }, prepared: PreparedField): Buffer {
  const { payload, ...head } = envelope;
  const { [prepared.key]: _placeholder, ...rest } = payload as Record<string, unknown>;
  const restText = JSON.stringify(rest);
  const before = `${JSON.stringify(head).slice(0, -1)},"payload":${restText.slice(0, -1)}${restText.length > 2 ? ',' : ''}${JSON.stringify(prepared.key)}:`;
  const after = '}}';
  const pieces = typeof prepared.json === 'string' ? [prepared.json] : prepared.json;
  let bytes = Buffer.byteLength(before, 'utf8') + after.length;
  for (const piece of pieces) bytes += Buffer.byteLength(piece, 'utf8');
  if (bytes > MAX_MESSAGE_BYTES) throw tooLarge(def, bytes);
  const data = Buffer.allocUnsafe(bytes);
  let at = data.write(before, 0, 'utf8');
  for (const piece of pieces) at += data.write(piece, at, 'utf8');
  data.write(after, at, 'utf8');
  return data;
}

function traceHeaders(traceparent: string | undefined) {
  if (!traceparent) return undefined;
  const h = natsHeaders();
  h.set('traceparent', traceparent);
  return h;
}

/** Publishes to JetStream and waits for the stream's ack. A duplicate id inside the window is acked but not stored. */
export async function publish<D extends MessageDef>(js: JetStreamClient, ns: Namespace, def: D, payload: PayloadOf<D>, options: PublishOptions, prepared?: PreparedField): Promise<{ id: string; duplicate: boolean }> {
  const { id, data } = encodeMessage(def, payload, options, prepared);
  const subject = ns.subject(def, ...(options.tokens ?? []));
  const headers = traceHeaders(options.traceparent);
  const ack = await js.publish(subject, data, { msgID: id, ...(headers ? { headers } : {}) });
  return { id, duplicate: ack.duplicate };
}

/**
 * {@link publish}, tried again on a transient broker error (a JetStream leader election after a
 * node is lost, a reconnect to another node) for up to `withinMs`. Only for a message with a
 * deterministic `id`: if an attempt was stored but its ack was lost, the stream's dedup window
 * makes the next attempt a no-op. Found by the cluster soak: killing the node that led the work
 * stream failed every sync started in the next seconds with `broker_unavailable`
 * (docs/reliability.md). A closed or draining connection is not retried: the process is stopping.
 */
export async function publishRetrying<D extends MessageDef>(
  js: JetStreamClient,
  ns: Namespace,
  def: D,
  payload: PayloadOf<D>,
  options: PublishOptions & { id: string },
  withinMs = 10_000,
): Promise<{ id: string; duplicate: boolean }> {
  const deadline = Date.now() + withinMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await publish(js, ns, def, payload, options);
    } catch (err) {
      if (!isTransientBrokerError(err) || isStopping(err) || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function isStopping(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) {
    if (e instanceof ClosedConnectionError || e instanceof DrainingConnectionError) return true;
  }
  return false;
}

/** Publishes on core NATS (no stream): for broadcasts whose loss is covered elsewhere (e.g. cancel). */
export function publishCore<D extends MessageDef>(nc: NatsConnection, ns: Namespace, def: D, payload: PayloadOf<D>, options: PublishOptions): void {
  const { data } = encodeMessage(def, payload, options);
  const headers = traceHeaders(options.traceparent);
  nc.publish(ns.subject(def, ...(options.tokens ?? [])), data, headers ? { headers } : undefined);
}

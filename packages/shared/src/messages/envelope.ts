import { z } from 'zod';

/**
 * Every NATS message is this envelope. `id` doubles as the JetStream `msgID`, so a repeated
 * publish inside the stream's duplicate window is dropped, and as the idempotency key.
 */
export const Envelope = z.object({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  v: z.number().int().positive(),
  occurredAt: z.string().datetime({ offset: true }),
  correlationId: z.string().min(1).max(200),
  payload: z.unknown(),
});
export type Envelope = z.infer<typeof Envelope>;

/** A message type: its name, major version, subject (without namespace) and payload schema. */
export interface MessageDef<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly v: number;
  readonly subject: string;
  readonly schema: S;
}

/** Declares a message type. Subjects follow `<domain>.<event>.v<major>` (STYLE.md). */
export function defineMessage<S extends z.ZodType>(type: string, v: number, schema: S, subject = `${type}.v${v}`): MessageDef<S> {
  return Object.freeze({ type, v, subject, schema });
}

/** The payload type of a message definition. */
export type PayloadOf<D extends MessageDef> = z.output<D['schema']>;

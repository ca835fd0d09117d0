import { Envelope, type MessageDef, type PayloadOf } from '../messages/envelope.js';

/** A message that passed the envelope and its payload schema. */
export interface Decoded<D extends MessageDef = MessageDef> {
  def: D;
  envelope: Envelope;
  payload: PayloadOf<D>;
}

export type DecodeResult = { ok: true; message: Decoded } | { ok: false; reason: string };

/** Parses raw bytes into a known, valid message, or says exactly why not (never throws). */
export function decodeMessage(data: Uint8Array, defs: readonly MessageDef[]): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) return { ok: false, reason: `bad envelope: ${envelope.error.issues[0]?.path.join('.')} ${envelope.error.issues[0]?.message}` };
  const def = defs.find((d) => d.type === envelope.data.type && d.v === envelope.data.v);
  if (!def) return { ok: false, reason: `unexpected message type ${envelope.data.type} v${envelope.data.v}` };
  const payload = def.schema.safeParse(envelope.data.payload);
  if (!payload.success) {
    const issue = payload.error.issues[0];
    return { ok: false, reason: `bad ${def.type} payload: ${issue?.path.join('.')} ${issue?.message}` };
  }
  return { ok: true, message: { def, envelope: envelope.data, payload: payload.data } };
}
